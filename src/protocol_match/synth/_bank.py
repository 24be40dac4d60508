"""Sentence banks and slot-fill lists for the synthetic corpus generator (``protocol_match.synth``).

Template syntax (parsed by ``_language``): ``{slot}`` is a slot fill, ``{*}`` is where a novel
clause goes in an embedded formula, ``[words ]`` is optional text present in the canonical
phrasing, ``[?words ]`` is optional text absent from it, ``<a|b|c>`` are alternatives whose
first one is canonical, and ``^`` after a leading clause marks where the clause may be moved to
the end of the sentence. Everything is written in American spelling; British spelling is derived.
The wording imitates defence-ministry press releases but is written for this project.
"""

from __future__ import annotations

# Each family: mode ("para": own paragraph, "sent": may share a paragraph, "lead", "chrome"),
# variants (tuples of sentences; the first is the canonical phrasing), rare variants (only at
# noise "high"), embed forms (a formula wrapped around a novel clause ``{*}``).
FAMILY_BANK: dict[str, dict] = {
    "delegation_lead": {
        "mode": "lead",
        "variants": [
            (
                "{host_title_c}, {host_rank} {host} <received|met with|hosted> a delegation led "
                "by {guest_title}, {guest_full}, who is on a [working ]visit to Azerbaijan"
                "[, {outlet} reports via the Defense Ministry].",
            ),
            (
                "{host_rank} {host}, {host_title}, met with the delegation headed by "
                "{guest_title} {guest_full}, who is paying a visit to our country"
                "[?, {outlet} reports citing the Defense Ministry].",
            ),
            (
                "A delegation led by {guest_title}, {guest_full}, which is on [an official ]"
                "visit to Azerbaijan, was received by {host_title}, {host_rank} {host}.",
            ),
        ],
        "rare": [
            (
                "On {date_text}, {host_title}, {host_rank} {host}, held talks with the visiting "
                "{nat} delegation headed by {guest_full}, {guest_title}.",
            ),
        ],
    },
    "grave_visit": {
        "mode": "para",
        "variants": [
            (
                "First, the {nat} guests visited the grave of National Leader Heydar Aliyev in "
                "the Alley of Honor[, as well as the Alley of Martyrs].",
                "The guests laid wreaths [and flowers ]at the graves and honored the blessed "
                "memory of the heroes.",
            ),
            (
                "Before the talks, ^the delegation <paid a visit to|visited> the Alley of Honor "
                "and the Alley of Martyrs[ in Baku].",
                "Wreaths were laid at the graves of Heydar Aliyev and the martyrs, and the "
                "memory of the fallen was honored.",
            ),
            (
                "The {nat} delegation <began|started> the visit at the Alley of Honor, where "
                "they visited the tomb of National Leader Heydar Aliyev.",
                "The guests then laid flowers at the Eternal Flame monument in the Alley of "
                "Martyrs and honored the memory of the heroes.",
            ),
        ],
        "rare": [
            (
                "At the beginning of the visit, the guests from {country} paid tribute to "
                "National Leader Heydar Aliyev at the Alley of Honor and to the fallen heroes "
                "at the Alley of Martyrs, laying wreaths at both sites.",
            ),
        ],
    },
    "welcome": {
        "mode": "sent",
        "variants": [
            (
                "{host_rank} {host_short} welcomed the guests and expressed his satisfaction "
                "with seeing them in Azerbaijan.",
            ),
            (
                "During the meeting held at the Ministry of Defense, ^{host_rank} {host_short} "
                "welcomed the guests and expressed his satisfaction with seeing them in "
                "Azerbaijan.",
            ),
            (
                "Welcoming the guests, {host_rank} {host_short} expressed "
                "<his satisfaction|his pleasure> with their visit to Azerbaijan.",
            ),
            (
                "The minister welcomed the [{nat} ]delegation and said he was pleased to see "
                "them in Azerbaijan.",
            ),
        ],
        "rare": [
            (
                "{host_short} greeted the visitors warmly, saying that it was a pleasure to "
                "host the {nat} delegation in Baku.",
            ),
        ],
        "embed": [
            "{host_rank} {host_short} welcomed the guests and expressed his satisfaction with "
            "seeing them in Azerbaijan, noting that {*}.",
        ],
    },
    "operational_situation": {
        "mode": "sent",
        "variants": [
            (
                "The minister informed the {nat} delegation about the current operational "
                "situation on the Azerbaijani-Armenian border.",
            ),
            (
                "The guests were briefed on the [current ]operational situation [along the "
                "border ]and on the measures taken to maintain stability in the region.",
            ),
            (
                "{host_short} informed the guests in detail about the situation in the region "
                "and the ongoing processes[ in the liberated territories].",
            ),
        ],
        "rare": [
            (
                "A detailed picture of the situation along the state border and in the region "
                "as a whole was presented to the visitors.",
            ),
        ],
        "embed": [
            "Informing the guests about the operational situation on the border, the minister "
            "said that {*}.",
        ],
    },
    "strategic_alliance": {
        "mode": "sent",
        "variants": [
            (
                "He <emphasized|stressed|underlined> that the strategic alliance between the two "
                "fraternal nations is built on friendship and brotherhood.",
            ),
            (
                "The minister noted that the {pair} strategic alliance is based on friendly and "
                "fraternal relations.",
            ),
            (
                "It was noted that the {pair} alliance rests on [the ]principles of friendship "
                "and brotherhood.",
            ),
        ],
        "rare": [
            (
                "Friendship and brotherhood, the minister said, remain the foundation of the "
                "strategic partnership between {country} and Azerbaijan.",
            ),
        ],
        "embed": [
            "Noting that the {pair} strategic alliance is based on friendship and brotherhood, "
            "the minister <said|stressed> that {*}.",
            "{*}, and the sides stressed that the strategic alliance between the two countries "
            "is based on friendship and brotherhood.",
        ],
    },
    "military_cooperation": {
        "mode": "sent",
        "variants": [
            (
                "The sides exchanged views on military, military-technical cooperation and "
                "regional security.",
            ),
            (
                "The meeting discussed [further ]expansion of {pair} cooperation in military, "
                "military-technical and other fields, including regional security issues.",
            ),
            (
                "The prospects for the development of military and military-technical "
                "cooperation between the two countries were discussed[ at the meeting].",
            ),
        ],
        "rare": [
            (
                "Issues of regional security and the deepening of defense and defense-industry "
                "ties between Azerbaijan and {country} were on the agenda.",
            ),
        ],
        "embed": [
            "{*}, and the sides discussed military, military-technical cooperation and "
            "regional security.",
            "At the meeting, where military and military-technical cooperation were "
            "discussed, {*}.",
        ],
    },
    "gratitude": {
        "mode": "sent",
        "variants": [
            (
                "{guest_short} expressed gratitude for the <sincere|warm> hospitality and noted "
                "the high level of military relations between the two countries.",
            ),
            (
                "Thanking the hosts for the warm welcome, ^{guest_short} noted the high level of "
                "relations between {country} and Azerbaijan.",
            ),
            (
                "The head of the {nat} delegation thanked the hosts for the hospitality and "
                "expressed his satisfaction with the visit to Azerbaijan.",
            ),
        ],
        "rare": [
            (
                "{guest_short} said he was grateful for the hospitality shown to his delegation "
                "in Baku and praised the level of {pair} military ties.",
            ),
        ],
        "embed": [
            "{guest_short} expressed gratitude for the sincere hospitality and said that {*}.",
        ],
    },
    "exchange_views": {
        "mode": "sent",
        "variants": [
            (
                "At the meeting, ^the sides exchanged views on the current state and prospects "
                "of {pair} <cooperation|relations>[ in the defense sphere].",
            ),
            ("The sides [also ]exchanged views on a number of issues of mutual interest.",),
            (
                "Views were exchanged on the current situation in the region and on other "
                "issues of mutual interest.",
            ),
        ],
        "rare": [
            (
                "Both sides shared their assessments of the situation in the region and of the "
                "bilateral agenda.",
            ),
        ],
    },
    "joint_exercises": {
        "mode": "sent",
        "variants": [
            (
                "The importance of conducting joint exercises to exchange experience and ensure "
                "interoperability between the troops was noted.",
            ),
            (
                "The sides <stressed|noted> the importance of joint exercises for exchanging "
                "experience and increasing interoperability.",
            ),
            (
                "It was emphasized that joint exercises contribute to the exchange of "
                "experience and to interoperability between the armies of the two countries.",
            ),
        ],
        "rare": [
            (
                "Joint drills, the sides agreed, remain the main tool for sharing combat "
                "experience and making the two armies work together seamlessly.",
            ),
        ],
        "embed": [
            "Noting the importance of joint exercises for interoperability between the troops, "
            "{host_short} said that {*}.",
            "{*}, which will contribute to the exchange of experience and interoperability "
            "between the troops.",
        ],
    },
    "military_education": {
        "mode": "sent",
        "variants": [
            (
                "The sides highlighted the necessity of continuing cooperation in the field of "
                "military education to train professional personnel.",
            ),
            (
                "Cooperation in military education and the training of [professional ]"
                "personnel was also discussed.",
            ),
            (
                "The importance of expanding ties in the field of military education was noted"
                "[ at the meeting].",
            ),
        ],
        "rare": [
            ("Training officers together, both sides agreed, is key to a professional army.",),
        ],
    },
    "martyrs_memory": {
        "mode": "sent",
        "variants": [
            ("The memory of the martyrs was honored with a minute of silence.",),
            (
                "The sides honored the memory of the servicemen who were martyred during the "
                "military operations and prayed for the repose of their souls.",
            ),
            (
                "First, the memory of the heroes who gave their lives for the territorial "
                "integrity of Azerbaijan was commemorated with a minute of silence.",
            ),
        ],
        "rare": [
            ("Those present stood for a minute in silence in tribute to the fallen heroes.",),
        ],
    },
    "visit_program": {
        "mode": "sent",
        "variants": [
            ("As part of the visit, ^the {nat} delegation <visited|toured> {facility}.",),
            (
                "Following the official welcoming ceremony, ^{host2_rank} {host2} met with the "
                "guests.",
            ),
            ("The guests were [also ]informed about the work done at {facility}.",),
        ],
        "rare": [
            ("The program of the visit also took the delegation to {facility}.",),
        ],
    },
    "defense_industry": {
        "mode": "sent",
        "variants": [
            (
                "He also expressed pride in the continuous progress of the defense industry of "
                "the fraternal country.",
            ),
            ("The achievements of the {nat} defense industry were [highly ]appreciated.",),
            (
                "The importance of joint projects in the field of the defense industry was "
                "noted[ at the meeting].",
            ),
        ],
        "rare": [
            ("The growth of the partner's defense industry was singled out for praise.",),
        ],
        "embed": [
            "{*}, and the importance of joint defense industry projects was noted.",
        ],
    },
    "condolences": {
        "mode": "lead",
        "variants": [
            (
                "{host_title_c}, {host_rank} {host} sent a letter of condolences to "
                "{guest_title}, {guest_full}, in connection with {disaster}.",
                "In the letter, on behalf of the personnel of the Azerbaijan Army and on his own "
                "behalf, ^the minister expressed deep condolences to the families and relatives "
                "of the victims and wished a speedy recovery to the injured.",
            ),
            (
                "{host_rank} {host}, {host_title}, has sent a condolence letter to "
                "{guest_full}, {guest_title}, over {disaster}.",
                "The minister shared the grief of the {nat} people and wished patience to the "
                "families of those who lost their lives.",
            ),
            (
                "A letter of condolences was sent by {host_title} to his {nat} counterpart "
                "{guest_full} over {disaster}.",
                "Expressing deep condolences to the relatives of the victims, ^the minister "
                "wished the injured a speedy recovery.",
            ),
        ],
        "rare": [
            (
                "Deeply saddened by the news of {disaster}, {host_rank} {host} conveyed his "
                "condolences to {guest_full} and the entire {nat} people in a letter.",
            ),
        ],
    },
    "embassy_reception": {
        "mode": "lead",
        "variants": [
            (
                "A reception was held at the Embassy of {country} in Azerbaijan on the occasion "
                "of the {ordinal} anniversary of the establishment of the {nat} Armed Forces.",
                "The event was attended by {host_title}, {host_rank} {host}, as well as "
                "military attaches of foreign countries accredited in Azerbaijan.",
            ),
            (
                "The Embassy of {country} in Baku hosted a reception dedicated to the {ordinal} "
                "anniversary of the {nat} Armed Forces.",
                "{host_rank} {host} and other officials of the Ministry of Defense, as well as "
                "foreign military attaches, took part in the event.",
            ),
            (
                "On the occasion of the {ordinal} anniversary of the {nat} Armed Forces, ^a "
                "reception was organized at the country's embassy in Azerbaijan.",
                "Representatives of the Azerbaijani Defense Ministry and the diplomatic corps "
                "attended the reception.",
            ),
        ],
        "rare": [
            (
                "Diplomats, military attaches and Azerbaijani officers gathered at the {nat} "
                "embassy in Baku to mark the {ordinal} anniversary of the country's armed "
                "forces.",
            ),
        ],
    },
    "attribution": {
        "mode": "sent",
        "variants": [
            (
                "{outlet} reports this with reference to the press service of the Ministry of "
                "Defense.",
            ),
            (
                "The information was provided to {outlet} by the press service of the Defense "
                "Ministry.",
            ),
        ],
        "rare": [],
        "embed": [
            "{*}, {outlet} reports <via|citing> the [Azerbaijani ]Defense Ministry.",
            "{*}, the Defense Ministry told {outlet}.",
            "According to the Defense Ministry, {*}.",
        ],
    },
    "closing": {
        "mode": "sent",
        "variants": [
            ("The meeting continued with a discussion of issues of mutual interest.",),
            ("Other issues of mutual interest were [also ]discussed at the meeting.",),
            ("The talks then continued with a discussion of [other ]matters of mutual interest.",),
        ],
        "rare": [
            ("The rest of the meeting was devoted to questions of interest to both sides.",),
        ],
    },
    # Chrome: the variant is picked by the outlet's house style, never counted as paraphrase.
    "dateline": {
        "mode": "chrome",
        "variants": [("BAKU, Azerbaijan, {month} {day}.",), ("Baku, {month} {day}, {outlet}.",)],
    },
    "timestamp": {
        "mode": "chrome",
        "variants": [("{d} {month} {yyyy} {hhmm} (UTC+04:00)",), ("{hhmm}, {d} {month} {yyyy}",)],
    },
    "page_chrome": {
        "mode": "chrome",
        "variants": [
            ("Print version",),
            ("Latest news",),
            ("Follow {outlet} on Telegram",),
            ("Share this article",),
            ("All news from {outlet}",),
            ("Read more on {outlet}",),
        ],
    },
}

# Novel clauses: same-beat content (lowercase start, no final period); many slots are drawn
# per sentence so they do not repeat, and they reuse the formulas' names and vocabulary.
NOVEL_CLAUSES: tuple[str, ...] = (
    "the {nat} delegation was informed about the {n1} {system} {sys_kind} put on combat duty "
    "near {place} in {month}",
    "{host_short} said that {n2} servicemen of {unit} had completed a {course} course at "
    "{academy} since {month} {year}",
    "the sides agreed to hold the {exercise} joint exercise near {place} with the participation "
    "of {n3} personnel",
    "a contract on the supply of {n1} {system} {sys_kind} worth {money} was signed with {company}",
    "{guest_short} noted that the first batch of {system} {sys_kind} would be delivered to "
    "{country} by {month} {year_fut}",
    "the guests were shown the {system} radar complex, which can detect targets at a distance "
    "of up to {km} kilometers",
    "a total of {n2} military personnel, {n1} tanks and {n4} artillery mounts were involved in "
    "the drills held at the {range} training ground",
    "on {dm}, a {vehicle} of {unit} overturned near {place}, and {n1} servicemen were taken "
    "to hospital with minor injuries",
    "the minister said that a new military hospital with {n2} beds would open in {place} in "
    "{year_fut}",
    "within the framework of military-technical cooperation, {company} will open a service "
    "center for {sys_kind} in {place} in {year_fut}",
    "as many as {n1} officers of the Azerbaijan Army will study at military schools of "
    "{country} in the {acad_year} academic year",
    "the delegation visited {unit}, where {n2} conscripts took the military oath on {dm}",
    "{person} told the guests that {pct} percent of the {sys_kind} in service with the Air "
    "Force had been modernized since {year}",
    "the {nat} side proposed to set up a joint working group on {topic} that would meet {freq}",
    "mine clearance teams of {unit} have cleared {n3} hectares in the {place} district "
    "since {month}",
    "a memorial complex to {n2} servicemen who fell in the {place} direction will be opened "
    "near the Alley of Martyrs on {dm}",
    "the {ordinal} meeting of the {pair} High-Level Military Dialogue will be held in {city} in "
    "{month} {year_fut}",
    "{guest_short} invited {host_short} to attend the {expo} defense exhibition to be held in "
    "{city} on {dm}",
    "the guests were informed that {n1} {system} {sys_kind} had been tested at the {range} "
    "training ground in {month}",
    "according to {person}, {unit} received {n1} new {sys_kind} produced under license "
    "from {company}",
    "at {hhmm} on {dm}, the positions of {unit} near {place} came under fire, and the fire "
    "was suppressed by retaliatory measures",
    "a roadmap for {year_fut} envisaging {n2} joint events, including {n1} exercises and {n4} "
    "training courses, was signed",
    "the parties discussed the joint production of {sys_kind} at {company} facilities in "
    "{place}, with a planned output of {n2} units per year",
    "some {n1} cadets of {academy} will undergo a {n4}-week internship in {country} in {month}",
    "the minister presented awards to {n1} servicemen of {unit} who distinguished "
    "themselves during the {exercise} exercise",
    "the {system} training simulator, developed jointly with {company}, allows {n4} crews to "
    "train at the same time",
    "the exercise scenario included the liberation of a settlement near {place} and a night "
    "river crossing at a depth of {n4} meters",
    "a total of {n2} servicemen of the {nat} army took part in the {exercise} exercise held "
    "in {city} for {n4} days starting on {dm}",
    "the sides signed a plan of bilateral military cooperation for {year_fut} that contains "
    "{n2} events",
    "the delegation was informed about the {n4} stages of the reform carried out in the "
    "{unit} since {year}",
    "the {nat} guests observed a demonstration of the {system} {sys_kind} at the {range} "
    "training ground",
    "a fire that broke out at a warehouse of {unit} near {place} on {dm} was extinguished "
    "within {n1} minutes, with no casualties",
    "the {exercise} exercise involved {n1} warships and {n4} helicopters of the Naval Forces "
    "in the Caspian Sea",
    "{person} informed the guests that the new barracks in {place} can accommodate {n2} servicemen",
    "{host_short} noted that {n1} joint projects with {company} are currently under way in the "
    "field of the defense industry",
    "the {ordinal} round of consultations on regional security between Azerbaijan and "
    "{country} is planned for {month} {year_fut} in {city}",
    "{unit} will receive {n1} {system} {sys_kind} after the completion of state tests in {month}",
    "the guests were shown the {system} unmanned aerial vehicle, whose flight endurance reaches "
    "{n4} hours",
    "instructors from {country} conducted a {n4}-day {course} training for {n2} servicemen of "
    "{unit} in {place}",
    "more than {n3} reservists were called up to {unit} for {n4}-day training camps starting "
    "on {dm}",
)

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

AZ_FIRST = (
    "Zaur",
    "Elchin",
    "Rauf",
    "Kamran",
    "Vugar",
    "Anar",
    "Ramil",
    "Tural",
    "Farid",
    "Rashad",
    "Elnur",
    "Mahir",
    "Ilgar",
    "Hikmat",
    "Namik",
    "Kerim",
    "Bakhtiyar",
    "Mais",
    "Hasan",
    "Shahin",
    "Orkhan",
    "Javid",
    "Emil",
    "Eldar",
    "Vagif",
    "Samir",
    "Azer",
    "Fuad",
    "Nizami",
)
AZ_LAST = (
    "Aliyev",
    "Mammadov",
    "Huseynov",
    "Guliyev",
    "Hasanli",
    "Ismayilov",
    "Abbasov",
    "Rzayev",
    "Valiyev",
    "Karimov",
    "Babayev",
    "Safarov",
    "Jafarov",
    "Nasibov",
    "Mirzayev",
    "Gasimov",
    "Agayev",
    "Bayramov",
    "Sadigov",
    "Islamzade",
    "Hajiyev",
    "Orujov",
    "Salmanov",
    "Ahmadov",
    "Najafov",
    "Zeynalov",
    "Alakbarov",
    "Musayev",
    "Tahirov",
)
AZ_RANKS = ("Colonel General", "Lieutenant General", "Major General", "Vice Admiral")
HOST_TITLES = (
    "the Minister of Defense of the Republic of Azerbaijan",
    "the Azerbaijani Defense Minister",
    "the First Deputy Minister of Defense and Chief of the General Staff of the Azerbaijan Army",
    "the Deputy Minister of Defense and Commander of the Air Force",
    "the Deputy Minister of Defense and Commander of the Land Forces",
    "the Commander of the Naval Forces of Azerbaijan",
)
FOREIGN_RANKS = (
    "Army General",
    "General",
    "Lieutenant General",
    "Major General",
    "Brigadier General",
    "Admiral",
    "Vice Admiral",
    "Rear Admiral",
    "Colonel",
    "Air Marshal",
)
GUEST_TITLES = (
    "the Commander of the Air Force of {long}",
    "the Chief of the General Staff of the Armed Forces of {long}",
    "the Deputy Minister of National Defense of {long}",
    "the Minister of Defense of {long}",
    "the Commander of the Naval Forces of {long}",
    "the Commander of the Land Forces of {long}",
    "the Head of the Defense Industry Agency of {long}",
)

# country, long form, adjective, cities, first names, last names
COUNTRIES: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Türkiye",
        "the Republic of Türkiye",
        "Turkish",
        ("Ankara", "Istanbul", "Izmir", "Konya"),
        (
            "Mehmet",
            "Ahmet",
            "Mustafa",
            "Hakan",
            "Yaşar",
            "Selçuk",
            "Ümit",
            "Metin",
            "Levent",
            "Cengiz",
            "Osman",
            "Murat",
            "Erhan",
            "Celal",
            "Sami",
            "Kemal",
        ),
        (
            "Yılmaz",
            "Kaya",
            "Demir",
            "Şahin",
            "Çelik",
            "Aydın",
            "Öztürk",
            "Arslan",
            "Doğan",
            "Kılıç",
            "Yıldız",
            "Korkmaz",
            "Güler",
            "Erdem",
            "Akın",
            "Bayraktaroğlu",
        ),
    ),
    (
        "Pakistan",
        "the Islamic Republic of Pakistan",
        "Pakistani",
        ("Islamabad", "Rawalpindi", "Karachi", "Lahore"),
        (
            "Asim",
            "Nadeem",
            "Sahir",
            "Zaheer",
            "Faisal",
            "Amer",
            "Naveed",
            "Imran",
            "Tariq",
            "Khalid",
            "Bilal",
            "Waseem",
        ),
        (
            "Khan",
            "Malik",
            "Ahmed",
            "Raza",
            "Hussain",
            "Qureshi",
            "Shah",
            "Babar",
            "Anjum",
            "Iqbal",
            "Mirza",
            "Abbasi",
        ),
    ),
    (
        "Georgia",
        "Georgia",
        "Georgian",
        ("Tbilisi", "Batumi", "Kutaisi", "Gori"),
        ("Giorgi", "Levan", "Irakli", "Davit", "Zurab", "Tamaz", "Nikoloz", "Vakhtang", "Archil"),
        (
            "Beridze",
            "Kapanadze",
            "Gelashvili",
            "Tsiklauri",
            "Maisuradze",
            "Lomidze",
            "Janelidze",
            "Chikovani",
            "Gogoladze",
        ),
    ),
    (
        "Italy",
        "the Italian Republic",
        "Italian",
        ("Rome", "Milan", "Turin", "Naples"),
        ("Marco", "Giuseppe", "Luca", "Alessandro", "Francesco", "Paolo", "Stefano", "Roberto"),
        ("Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo"),
    ),
    (
        "Kazakhstan",
        "the Republic of Kazakhstan",
        "Kazakh",
        ("Astana", "Almaty", "Shymkent"),
        ("Nurlan", "Ruslan", "Daniyar", "Marat", "Serik", "Askar", "Yerlan", "Bakhyt"),
        ("Zhaksylykov", "Abdrakhmanov", "Sultanov", "Beisenov", "Ospanov", "Seitkali", "Omarov"),
    ),
    (
        "Uzbekistan",
        "the Republic of Uzbekistan",
        "Uzbek",
        ("Tashkent", "Samarkand", "Bukhara"),
        ("Bakhodir", "Shukhrat", "Rustam", "Sherzod", "Akmal", "Ulugbek", "Jasur"),
        ("Kurbanov", "Tashmatov", "Yusupov", "Rakhimov", "Nazarov", "Ergashev", "Khodjaev"),
    ),
    (
        "Hungary",
        "Hungary",
        "Hungarian",
        ("Budapest", "Debrecen", "Szeged"),
        ("László", "Gábor", "Zoltán", "Péter", "Tamás", "Attila", "Balázs"),
        ("Nagy", "Kovács", "Szabó", "Tóth", "Horváth", "Varga", "Molnár"),
    ),
    (
        "Serbia",
        "the Republic of Serbia",
        "Serbian",
        ("Belgrade", "Novi Sad", "Niš"),
        ("Milan", "Dragan", "Nenad", "Zoran", "Dejan", "Aleksandar", "Goran"),
        ("Petrović", "Jovanović", "Nikolić", "Marković", "Stojanović", "Ilić", "Pavlović"),
    ),
    (
        "Jordan",
        "the Hashemite Kingdom of Jordan",
        "Jordanian",
        ("Amman", "Aqaba", "Irbid"),
        ("Yousef", "Ahmad", "Mahmoud", "Khaled", "Omar", "Faisal", "Hamza"),
        ("Al-Huneiti", "Al-Zaben", "Al-Masri", "Haddad", "Al-Khawaldeh", "Al-Rawashdeh"),
    ),
    (
        "Poland",
        "the Republic of Poland",
        "Polish",
        ("Warsaw", "Krakow", "Gdansk", "Poznan"),
        ("Tomasz", "Piotr", "Andrzej", "Marek", "Krzysztof", "Jaroslaw", "Pawel"),
        ("Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski"),
    ),
)

# outlet, British spelling?, dateline style (0 BAKU dateline, 1 agency dateline,
# 2 timestamp paragraph, 3 timestamp variant, -1 none)
OUTLETS: tuple[tuple[str, bool, int], ...] = (
    ("Trend", False, 0),
    ("Azernews", True, 2),
    ("APA", False, 1),
    ("Report", False, 3),
    ("AZERTAC", True, 1),
    ("Caliber", True, -1),
    ("Qafqazinfo", False, 2),
    ("Turan", True, 0),
    ("Vestnik Kavkaza", False, -1),
)

AZ_PLACES = (
    "Ganja",
    "Shusha",
    "Lachin",
    "Kalbajar",
    "Nakhchivan",
    "Lankaran",
    "Gabala",
    "Tartar",
    "Aghdam",
    "Fuzuli",
    "Jabrayil",
    "Sumgayit",
    "Shamkir",
    "Zangilan",
    "Gubadli",
    "Khojavand",
    "Goygol",
    "Shirvan",
    "Mingachevir",
    "Khizi",
)
FACILITIES = (
    "the headquarters of the Air Force",
    "the Training and Education Center of the Armed Forces",
    "a military unit of the Land Forces",
    "the Central Command Post of the Air Force",
    "the headquarters of the Naval Forces",
    "the Military Academy of the Armed Forces",
    "the Central Clinical Hospital of the Defense Ministry",
    "the Special Forces training center",
    "a military unit stationed in the liberated territories",
)
SYS_PREFIX = (
    "Tufan",
    "Yildirim",
    "Shahin",
    "Sabah",
    "Ildirim",
    "Goy",
    "Qartal",
    "Kaman",
    "Atlas",
    "Korkut",
    "Simurg",
    "Zafar",
    "Gurz",
    "Tulpar",
    "Alp",
    "Bars",
    "Sungur",
    "Akinci",
)
SYS_KINDS = (
    "air defense systems",
    "unmanned aerial vehicles",
    "armored personnel carriers",
    "radar stations",
    "artillery systems",
    "patrol boats",
    "electronic warfare systems",
    "training aircraft",
    "counter-drone systems",
    "multiple rocket launchers",
    "armored ambulances",
    "loitering munitions",
)
COMPANY_ROOTS = (
    "Azersimtel",
    "Iglim",
    "Araz",
    "Kaspi",
    "Dalga",
    "Sarhad",
    "Shafa",
    "Ulduz",
    "Gunash",
    "Tabriz",
    "Anatolia",
    "Karadeniz",
    "Baltic",
    "Adriatic",
    "Steppe",
    "Caspian",
)
COMPANY_SUFFIX = (
    "Defense Industries",
    "Aerospace",
    "Electronics",
    "Systems",
    "Machine Building Plant",
    "Shipyard",
    "Optics",
    "Defense Technologies",
)
UNIT_FORMS = (
    "the {o} Army Corps",
    "military unit {n}",
    "the {o} motorized rifle brigade",
    "the {o} air defense regiment",
    "the {o} artillery brigade",
    "the Special Forces",
    "the {o} naval brigade",
    "the {o} engineer battalion",
    "the {o} tank battalion",
)
EXERCISE_WORDS = (
    "Unshakable Brotherhood",
    "Eternal Friendship",
    "Caucasian Eagle",
    "Steel Shield",
    "Sea Breeze",
    "Anatolian Star",
    "Mountain Falcon",
    "Caspian Storm",
    "Iron Fist",
    "Winter Thunder",
    "Three Brothers",
    "Blue Horizon",
)
COURSES = (
    "peacekeeping",
    "mine clearance",
    "military medicine",
    "cyber defense",
    "staff officer",
    "parachute training",
    "sniper",
    "combat engineering",
    "military translation",
)
ACADEMIES = (
    "the War College of the Armed Forces",
    "the Military Academy of the Armed Forces",
    "the Heydar Aliyev Military Institute",
    "the National Defense University",
    "the Higher Military School",
    "the Naval Academy",
)
RANGES = ("Garaheybat", "Shirvan", "Ganja", "Lankaran", "Gobustan", "Aghdam", "Jabrayil")
VEHICLES = ("military truck", "KamAZ truck", "armored vehicle", "Ural truck", "staff vehicle")
TOPICS = (
    "cyber security",
    "military logistics",
    "military medicine",
    "demining",
    "air defense",
    "military education",
    "communications",
    "training of sergeants",
)
FREQS = ("twice a year", "every quarter", "once a year", "every two months")
EXPOS = ("ADEX", "IDEF", "IDEAS", "KADEX", "SAHA Expo", "Defense Expo Caucasus")
PERSON_ROLES = (
    "the head of the Main Department of Armaments",
    "the commander of the corps",
    "the deputy chief of the General Staff",
    "the head of the press service",
    "the chief of the Military Medical Department",
    "the head of the Training Department",
)

# American spelling -> British spelling (whole words); the reverse map is derived.
SPELLING_US_UK: dict[str, str] = {
    "defense": "defence",
    "Defense": "Defence",
    "honor": "honour",
    "Honor": "Honour",
    "honored": "honoured",
    "honoring": "honouring",
    "emphasized": "emphasised",
    "emphasize": "emphasise",
    "organized": "organised",
    "organization": "organisation",
    "modernized": "modernised",
    "modernization": "modernisation",
    "center": "centre",
    "Center": "Centre",
    "kilometers": "kilometres",
    "meters": "metres",
    "program": "programme",
    "armored": "armoured",
    "favorable": "favourable",
    "license": "licence",
    "motorized": "motorised",
    "recognized": "recognised",
    "practiced": "practised",
}

# Another outlet retelling a story (``_retell``) rewords the template text of its sentences
# (never the slot fills: names and figures are the facts both versions share). Phrase -> other
# wordings, matched as whole words, longest first; a capitalized match keeps its capital.
RETELL_PHRASES: dict[str, tuple[str, ...]] = {
    "was informed about": ("was briefed on", "was told about"),
    "were informed that": ("were told that", "learned that"),
    "informed the guests that": ("told the visitors that", "briefed the guests that"),
    "told the guests that": ("informed the visitors that", "explained to the guests that"),
    "the guests were shown": ("the visitors were introduced to", "the delegation was shown"),
    "the guests": ("the visitors", "the foreign guests"),
    "the delegation": ("the visiting delegation", "the delegation members"),
    "the sides": ("the parties", "both sides"),
    "the parties": ("the sides", "both parties"),
    "agreed to hold": ("decided to conduct", "reached an agreement to hold"),
    "was signed with": ("was concluded with", "was inked with"),
    "was signed": ("was concluded", "was approved"),
    "would be delivered to": ("is expected to be supplied to", "will be shipped to"),
    "the first batch of": ("the initial batch of", "the first consignment of"),
    "noted that": ("pointed out that", "stressed that", "emphasized that"),
    "said that": ("stated that", "noted that", "announced that"),
    "which can detect": ("capable of detecting", "which is able to detect"),
    "at a distance of up to": ("as far as", "at ranges of up to"),
    "a total of": ("altogether", "in all"),
    "were involved in": ("took part in", "participated in"),
    "took part in": ("participated in", "were involved in"),
    "with the participation of": ("involving", "with"),
    "overturned": ("rolled over", "overturned on the road"),
    "were taken to hospital with minor injuries": (
        "were hospitalized with light injuries",
        "received minor injuries and were taken to a hospital",
    ),
    "would open": ("would be opened", "is to open"),
    "will open": ("is going to open", "plans to open"),
    "within the framework of": ("as part of", "under"),
    "as many as": ("up to", "some"),
    "will study at": ("will be trained at", "are to study at"),
    "military schools": ("military educational institutions", "military academies"),
    "took the military oath": ("were sworn in", "took their oath of allegiance"),
    "in service with": ("operated by", "used by"),
    "had been modernized": ("had been upgraded", "had undergone modernization"),
    "proposed to set up": ("suggested establishing", "offered to create"),
    "have cleared": ("have demined", "have cleared of mines"),
    "who fell in": ("who died in", "killed in"),
    "will be opened": ("is to be opened", "will be inaugurated"),
    "will be held": ("is scheduled to take place", "will take place"),
    "invited": ("extended an invitation to", "asked"),
    "to attend": ("to visit", "to take part in"),
    "had been tested": ("had undergone tests", "had been trialed"),
    "according to": ("as reported by", "as stated by"),
    "received": ("took delivery of", "was supplied with"),
    "produced under license from": ("built under license from", "manufactured under license from"),
    "came under fire": ("were shelled", "were fired upon"),
    "was suppressed by retaliatory measures": (
        "was silenced by return fire",
        "was suppressed by return fire",
    ),
    "envisaging": ("providing for", "that includes"),
    "including": ("among them", "among which are"),
    "discussed": ("talked about", "considered"),
    "with a planned output of": ("planning to produce", "with a projected output of"),
    "will undergo": ("will complete", "are to undergo"),
    "presented awards to": ("awarded", "handed awards to"),
    "distinguished themselves": ("excelled", "stood out"),
    "allows": ("enables", "lets"),
    "to train at the same time": ("to train simultaneously", "to train together"),
    "the exercise scenario included": ("under the exercise scenario, the troops practiced",),
    "starting on": ("beginning on", "from"),
    "that contains": ("comprising", "with"),
    "was extinguished within": ("was put out within", "was put out in"),
    "with no casualties": ("and no one was hurt", "without casualties"),
    "can accommodate": ("have room for", "can house"),
    "are currently under way": ("are now being implemented", "are in progress"),
    "is planned for": ("is scheduled for", "will take place in"),
    "after the completion of": ("once it completes", "after completing"),
    "whose flight endurance reaches": ("which can stay airborne for", "able to fly for"),
    "conducted": ("held", "organized"),
    "were called up to": ("were summoned to", "were mobilized to"),
    "expressed": ("voiced", "conveyed"),
    "stressed": ("underlined", "emphasized"),
    "important": ("significant", "essential"),
    "cooperation": ("collaboration", "cooperation ties"),
    "the meeting": ("the talks", "the meeting"),
    "the minister": ("the defense minister", "the head of the ministry"),
    "servicemen": ("soldiers", "service members"),
    "military personnel": ("troops", "service members"),
}

# How a retelling may frame a sentence it rewords: a lead-in (the sentence start is lowercased
# after it) or a tag that replaces the final period.
RETELL_LEADS: tuple[str, ...] = (
    "According to the ministry, ",
    "It was reported that ",
    "As the press service noted, ",
    "Officials said ",
)
RETELL_TAGS: tuple[str, ...] = (
    ", the ministry said.",
    ", the press service reported.",
    ", officials said.",
    ", the Defense Ministry reported.",
)
