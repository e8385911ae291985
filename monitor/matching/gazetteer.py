"""Shipped vocabularies that stand for a country in the news, for an entity's `include:`.

A country's own press and business news seldom name the country: a Russian report names the
FSB or the city, a British one Downing Street or Barclays. An entity with `country: RU` and
`include: [places, government]` gains these groups' terms in English and Russian:

    names       the country's names, short and old forms, its adjective and people
    places      the capital, the main cities and regions
    government  the seat of power, parliament, ministries, central bank, security services,
                main parties and the stock exchange
    people      heads of state and government since the mid-1980s, written as the news
                writes them (surname, or first name and surname when the surname alone is
                an everyday word)
    companies   the largest and best-known companies

The lists are a starting point written from general knowledge, not a full gazetteer; a
rule's own `terms` add what a subject needs. Terms with an everyday second sense are left
out (the Japanese "Diet", "Грозный", "the Treasury", "Shell"), and so are bodies whose
Russian names other countries' share ("МВД", "Минфин", "Следственный комитет").
"""

from __future__ import annotations

LANGUAGES = ("en", "ru")

_Data = dict[str, dict[str, dict[str, tuple[str, ...]]]]

_DATA: _Data = {
    "RU": {
        "names": {
            "en": ("Russia", "Russian", "Russians", "Russian Federation"),
            "ru": ("Россия", "российский", "россиянин", "Российская Федерация", "РФ"),
        },
        "places": {
            "en": ("Moscow", "St Petersburg", "Novosibirsk", "Yekaterinburg",
                   "Nizhny Novgorod", "Kazan", "Samara", "Omsk", "Chelyabinsk", "Rostov",
                   "Ufa", "Krasnoyarsk", "Voronezh", "Volgograd", "Vladivostok",
                   "Kaliningrad", "Sochi", "Murmansk", "Irkutsk", "Khabarovsk", "Siberia",
                   "Chechnya", "Dagestan", "Tatarstan"),
            "ru": ("Москва", "Санкт-Петербург", "Петербург", "Новосибирск", "Екатеринбург",
                   "Нижний Новгород", "Казань", "Самара", "Омск", "Челябинск",
                   "Ростов-на-Дону", "Уфа", "Красноярск", "Пермь", "Воронеж", "Волгоград",
                   "Владивосток", "Калининград", "Сочи", "Мурманск", "Иркутск", "Хабаровск",
                   "Сибирь", "Чечня", "Дагестан", "Татарстан", "Подмосковье"),
        },
        "government": {
            "en": ("Kremlin", "Duma", "Federation Council", "FSB", "Gazprom", "Rosneft",
                   "Central Bank of Russia", "Roscosmos", "United Russia", "Micex"),
            "ru": ("Кремль", "Госдума", "Государственная дума", "Совет Федерации", "Совфед",
                   "ФСБ", "МИД России", "Банк России", "Генпрокуратура", "Роскосмос",
                   "Единая Россия", "Правительство РФ"),
        },
        "people": {
            "en": ("Putin", "Medvedev", "Yeltsin", "Lavrov", "Mishustin", "Kasyanov",
                   "Primakov", "Chernomyrdin", "Fradkov"),
            "ru": ("Путин", "Медведев", "Ельцин", "Лавров", "Мишустин", "Касьянов",
                   "Примаков", "Черномырдин", "Фрадков", "Шойгу"),
        },
        "companies": {
            "en": ("Gazprom", "Rosneft", "Lukoil", "Yukos", "Sberbank", "Aeroflot",
                   "Norilsk Nickel", "Rostelecom", "Transneft", "Rosatom", "VTB"),
            "ru": ("Газпром", "Роснефть", "Лукойл", "ЮКОС", "Сбербанк", "Аэрофлот",
                   "Норильский никель", "Ростелеком", "Транснефть", "Росатом", "ВТБ",
                   "РЖД"),
        },
    },
    "UA": {
        "names": {
            "en": ("Ukraine", "Ukrainian", "Ukrainians"),
            "ru": ("Украина", "украинский", "украинец"),
        },
        "places": {
            "en": ("Kiev", "Kyiv", "Kharkiv", "Kharkov", "Odessa", "Odesa", "Dnipro",
                   "Dnepropetrovsk", "Donetsk", "Lviv", "Zaporizhzhia", "Luhansk", "Lugansk",
                   "Crimea", "Sevastopol", "Donbas", "Donbass"),
            "ru": ("Киев", "Харьков", "Одесса", "Днепр", "Днепропетровск", "Донецк", "Львов",
                   "Запорожье", "Луганск", "Крым", "Севастополь", "Донбасс"),
        },
        "government": {
            "en": ("Verkhovna Rada", "Rada", "Naftogaz"),
            "ru": ("Верховная рада", "Нафтогаз", "СБУ"),
        },
        "people": {
            "en": ("Yushchenko", "Yanukovych", "Yanukovich", "Tymoshenko", "Kuchma",
                   "Kravchuk", "Poroshenko", "Zelensky", "Zelenskyy"),
            "ru": ("Ющенко", "Янукович", "Тимошенко", "Кучма", "Кравчук", "Порошенко",
                   "Зеленский"),
        },
        "companies": {
            "en": ("Naftogaz", "Ukrtelecom", "PrivatBank"),
            "ru": ("Нафтогаз", "Укртелеком", "ПриватБанк"),
        },
    },
    "CN": {
        "names": {
            "en": ("China", "Chinese", "PRC", "People's Republic of China", "Peking"),
            "ru": ("Китай", "китайский", "КНР", "Китайская Народная Республика"),
        },
        "places": {
            "en": ("Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Tianjin",
                   "Chongqing", "Wuhan", "Chengdu", "Nanjing", "Xian", "Harbin",
                   "Hong Kong", "Macau", "Tibet", "Xinjiang", "Guangdong", "Hainan"),
            "ru": ("Пекин", "Шанхай", "Гуанчжоу", "Шэньчжэнь", "Тяньцзинь", "Чунцин", "Ухань",
                   "Чэнду", "Нанкин", "Сиань", "Харбин", "Гонконг", "Макао", "Тибет",
                   "Синьцзян", "Гуандун", "Хайнань"),
        },
        "government": {
            "en": ("Communist Party of China", "Chinese Communist Party", "Politburo",
                   "State Council", "National People's Congress", "People's Liberation Army",
                   "PLA", "People's Bank of China", "Xinhua", "Zhongnanhai", "MOFCOM"),
            "ru": ("Компартия Китая", "КПК", "Госсовет КНР", "Всекитайское собрание",
                   "Народно-освободительная армия Китая", "НОАК", "Народный банк Китая",
                   "Синьхуа"),
        },
        "people": {
            "en": ("Deng Xiaoping", "Jiang Zemin", "Hu Jintao", "Xi Jinping", "Li Peng",
                   "Zhu Rongji", "Wen Jiabao", "Li Keqiang", "Zhao Ziyang", "Li Qiang"),
            "ru": ("Дэн Сяопин", "Цзян Цзэминь", "Ху Цзиньтао", "Си Цзиньпин", "Ли Пэн",
                   "Чжу Жунцзи", "Вэнь Цзябао", "Ли Кэцян", "Чжао Цзыян", "Ли Цян"),
        },
        "companies": {
            "en": ("Sinopec", "PetroChina", "CNPC", "CNOOC", "Huawei", "ZTE", "Lenovo",
                   "Alibaba", "Tencent", "Baidu", "China Mobile", "Bank of China", "ICBC",
                   "Haier", "Xiaomi", "COSCO", "Citic"),
            "ru": ("Sinopec", "PetroChina", "CNPC", "Huawei", "ZTE", "Lenovo", "Alibaba",
                   "Tencent", "Baidu", "Xiaomi", "Хуавэй", "Алибаба", "Сяоми", "Леново"),
        },
    },
    "JP": {
        "names": {
            "en": ("Japan", "Japanese"),
            "ru": ("Япония", "японский", "японец"),
        },
        "places": {
            "en": ("Tokyo", "Osaka", "Kyoto", "Yokohama", "Nagoya", "Kobe", "Sapporo",
                   "Fukuoka", "Hiroshima", "Nagasaki", "Sendai", "Okinawa", "Hokkaido",
                   "Fukushima", "Kyushu", "Honshu"),
            "ru": ("Токио", "Осака", "Киото", "Иокогама", "Нагоя", "Кобе", "Саппоро",
                   "Фукуока", "Хиросима", "Нагасаки", "Сендай", "Окинава", "Хоккайдо",
                   "Фукусима", "Кюсю", "Хонсю"),
        },
        "government": {
            "en": ("Bank of Japan", "BoJ", "MITI", "Ministry of International Trade and Industry",
                   "Keidanren", "Liberal Democratic Party", "LDP", "Nikkei",
                   "Tokyo Stock Exchange", "Kasumigaseki"),
            "ru": ("Банк Японии", "Либерально-демократическая партия Японии", "ЛДПЯ",
                   "Никкэй", "Nikkei"),
        },
        "people": {
            "en": ("Nakasone", "Takeshita", "Kaifu", "Miyazawa", "Hosokawa", "Hashimoto",
                   "Obuchi", "Koizumi", "Shinzo Abe", "Fukuda", "Taro Aso", "Hatoyama",
                   "Naoto Kan", "Noda", "Suga", "Kishida", "Emperor Akihito", "Hirohito"),
            "ru": ("Накасонэ", "Хасимото", "Обути", "Коидзуми", "Синдзо Абэ", "Фукуда",
                   "Таро Асо", "Хатояма", "Наото Кан", "Нода", "Кисида", "Акихито"),
        },
        "companies": {
            "en": ("Toyota", "Honda", "Nissan", "Mitsubishi", "Mazda", "Subaru", "Suzuki",
                   "Sony", "Toshiba", "Hitachi", "Panasonic", "Matsushita", "Fujitsu", "NEC",
                   "Nikon", "Nintendo", "Mitsui", "Sumitomo", "Nomura",
                   "Nippon Steel", "NTT", "SoftBank", "Marubeni", "Itochu"),
            "ru": ("Toyota", "Honda", "Nissan", "Mitsubishi", "Mazda", "Sony", "Toshiba",
                   "Hitachi", "Panasonic", "Тойота", "Хонда", "Ниссан", "Мицубиси", "Мазда",
                   "Сони", "Тошиба", "Хитачи", "Панасоник", "Nintendo"),
        },
    },
    "DE": {
        "names": {
            "en": ("Germany", "German", "Germans", "West Germany", "East Germany",
                   ),
            "ru": ("Германия", "немецкий", "германский", "немец", "ФРГ", "ГДР"),
        },
        "places": {
            "en": ("Berlin", "Bonn", "Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart",
                   "Dusseldorf", "Düsseldorf", "Dortmund", "Essen", "Leipzig", "Dresden",
                   "Hanover", "Nuremberg", "Bavaria", "Saxony", "Wolfsburg"),
            "ru": ("Берлин", "Бонн", "Гамбург", "Мюнхен", "Кёльн", "Франкфурт", "Штутгарт",
                   "Дюссельдорф", "Дортмунд", "Лейпциг", "Дрезден", "Ганновер", "Нюрнберг",
                   "Бавария", "Саксония"),
        },
        "government": {
            "en": ("Bundestag", "Bundesrat", "Bundesbank", "Bundeswehr", "CDU", "CSU", "SPD",
                   "DAX"),
            "ru": ("Бундестаг", "Бундесрат", "Бундесбанк", "бундесвер", "ХДС", "ХСС", "СДПГ"),
        },
        "people": {
            "en": ("Helmut Kohl", "Kohl", "Schroeder", "Schröder", "Merkel", "Scholz",
                   "Genscher", "Steinmeier"),
            "ru": ("Шрёдер", "Шредер", "Меркель", "Шольц", "Штайнмайер"),
        },
        "companies": {
            "en": ("Volkswagen", "BMW", "Daimler", "DaimlerChrysler", "Mercedes",
                   "Opel", "Porsche", "Audi", "Siemens", "Deutsche Bank", "Commerzbank",
                   "Dresdner Bank", "Allianz", "Lufthansa", "Deutsche Telekom", "BASF",
                   "Bayer", "Hoechst", "Thyssen", "ThyssenKrupp", "Krupp", "RWE",
                   "Adidas", "Bosch"),
            "ru": ("Volkswagen", "BMW", "Daimler", "Mercedes", "Opel", "Porsche", "Audi",
                   "Siemens", "Deutsche Bank", "Lufthansa", "BASF", "Bayer", "Фольксваген",
                   "Мерседес", "Сименс", "Люфтганза", "Дойче банк"),
        },
    },
    "GB": {
        "names": {
            "en": ("Britain", "British", "Briton", "Britons", "UK", "United Kingdom",
                   "Great Britain", "England", "Scotland", "Scottish", "Wales",
                   "Welsh", "Northern Ireland"),
            "ru": ("Великобритания", "Британия", "британский", "британец", "Англия",
                   "Шотландия", "шотландский", "Уэльс", "Соединённое Королевство"),
        },
        "places": {
            "en": ("London", "Manchester", "Birmingham", "Liverpool", "Leeds", "Glasgow",
                   "Edinburgh", "Cardiff", "Belfast", "Bristol", "Sheffield", "Newcastle",
                   "Nottingham", "Leicester", "Southampton", "Aberdeen", "Oxford",
                   "Cambridge"),
            "ru": ("Лондон", "Манчестер", "Бирмингем", "Ливерпуль", "Лидс", "Глазго",
                   "Эдинбург", "Кардифф", "Белфаст", "Бристоль", "Оксфорд", "Кембридж"),
        },
        "government": {
            "en": ("Downing Street", "Whitehall", "Westminster", "House of Commons",
                   "House of Lords", "Bank of England", "Chancellor of the Exchequer",
                   "Foreign Office", "Home Office", "MI5", "MI6", "Labour Party", "Tory",
                   "Tories", "Conservative Party", "Liberal Democrats", "Ofcom", "Ofgem",
                   "Ofwat", "Office of Fair Trading", "Competition Commission",
                   "Financial Services Authority", "Serious Fraud Office", "Inland Revenue",
                   "London Stock Exchange", "FTSE", "NHS"),
            "ru": ("Даунинг-стрит", "Уайтхолл", "Вестминстер", "палата общин",
                   "палата лордов", "Банк Англии", "Форин-офис", "МИ-5", "МИ-6",
                   "Лейбористская партия", "лейборист", "тори",
                   "Лондонская фондовая биржа"),
        },
        "people": {
            "en": ("Thatcher", "John Major", "Tony Blair", "Blair", "Gordon Brown",
                   "David Cameron", "Theresa May", "Boris Johnson", "Keir Starmer",
                   "Rishi Sunak", "Queen Elizabeth", "Prince Charles"),
            "ru": ("Тэтчер", "Джон Мейджор", "Тони Блэр", "Блэр", "Гордон Браун",
                   "Дэвид Кэмерон", "Кэмерон", "Тереза Мэй", "Борис Джонсон", "Кир Стармер",
                   "Риши Сунак", "королева Елизавета"),
        },
        "companies": {
            "en": ("BP", "HSBC", "Barclays", "Lloyds", "Royal Bank of Scotland", "RBS",
                   "NatWest", "Vodafone", "BT", "Tesco", "Sainsbury",
                   "BAE Systems", "Rolls-Royce", "GlaxoSmithKline", "Glaxo",
                   "AstraZeneca", "Unilever", "British Airways", "British Gas", "Centrica",
                   "Diageo", "Rio Tinto", "Aviva", "BSkyB", "ITV", "WPP",
                   "EMI", "Cadbury", "ICI", "BHS"),
            "ru": ("BP", "HSBC", "Barclays", "Vodafone", "Tesco", "Unilever", "Бритиш петролеум",
                   "Бритиш эйрвейз", "Ройял датч шелл"),
        },
    },
    "BR": {
        "names": {
            "en": ("Brazil", "Brazilian", "Brazilians"),
            "ru": ("Бразилия", "бразильский", "бразилец"),
        },
        "places": {
            "en": ("Brasilia", "Sao Paulo", "São Paulo", "Rio de Janeiro",
                   "Belo Horizonte", "Recife", "Porto Alegre", "Manaus", "Amazonas"),
            "ru": ("Бразилиа", "Сан-Паулу", "Рио-де-Жанейро", "Белу-Оризонти",
                   "Ресифи", "Порту-Алегри", "Манаус"),
        },
        "government": {
            "en": ("Planalto", "Itamaraty", "Banco do Brasil", "Bovespa", "Petrobras",
                   "Central Bank of Brazil"),
            "ru": ("Петробрас", "Бовеспа"),
        },
        "people": {
            "en": ("Sarney", "Collor", "Itamar Franco", "Cardoso", "Lula", "Dilma Rousseff",
                   "Rousseff", "Temer", "Bolsonaro", "Funaro", "Bresser Pereira"),
            "ru": ("Сарней", "Колор", "Кардозу", "Лула", "Дилма Руссефф", "Руссефф", "Темер",
                   "Болсонару"),
        },
        "companies": {
            "en": ("Petrobras", "Embraer", "Itau", "Bradesco", "Varig", "Odebrecht"),
            "ru": ("Petrobras", "Embraer", "Петробрас", "Эмбраер"),
        },
    },
    "IR": {
        "names": {
            "en": ("Iran", "Iranian", "Iranians", "Persia"),
            "ru": ("Иран", "иранский", "иранец", "Исламская Республика Иран", "Персия"),
        },
        "places": {
            "en": ("Tehran", "Teheran", "Isfahan", "Mashhad", "Tabriz", "Shiraz", "Bushehr",
                   "Natanz", "Qom", "Kharg"),
            "ru": ("Тегеран", "Исфахан", "Мешхед", "Тебриз", "Шираз", "Бушер", "Натанз",
                   ),
        },
        "government": {
            "en": ("Majlis", "Revolutionary Guards", "Guardian Council", "IRNA", "NIOC"),
            "ru": ("меджлис", "Корпус стражей исламской революции", "КСИР", "ИРНА"),
        },
        "people": {
            "en": ("Khomeini", "Khamenei", "Rafsanjani", "Khatami", "Ahmadinejad", "Rouhani",
                   "Raisi", "Zarif", "Larijani"),
            "ru": ("Хомейни", "Хаменеи", "Рафсанджани", "Хатами", "Ахмадинежад", "Роухани",
                   "Раиси", "Зариф", "Лариджани"),
        },
        "companies": {
            "en": ("NIOC", "National Iranian Oil Company", "Iran Air"),
            "ru": ("Иран Эйр",),
        },
    },
}

COUNTRIES = tuple(sorted(_DATA))


def gazetteer_terms(country: str, group: str) -> dict[str, tuple[str, ...]]:
    """The terms of one group for a country, by language; empty when none are shipped."""
    return _DATA.get(country.upper(), {}).get(group, {})


def has_gazetteer(country: str) -> bool:
    """True when vocabularies are shipped for the country (ISO 3166 alpha-2)."""
    return country.upper() in _DATA
