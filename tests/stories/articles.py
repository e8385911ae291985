"""Articles for the story tests: one wire story in English and one in Russian, a second
story on the same subject written independently, and the copies outlets make."""

from __future__ import annotations

WIRE_EN = """Chinese and Azerbaijani defence officials agreed on Tuesday to expand cooperation in \
the defence industry, including the joint production of armoured vehicles and drones at a \
plant near Baku, the two governments said in a joint statement.

The agreement was signed during a visit by China's deputy defence minister, who met President \
Ilham Aliyev and toured several military factories outside the capital.

Azerbaijan has been diversifying its arms suppliers since the 2020 war with Armenia and has \
bought air defence systems and training aircraft from Beijing over the past two years.

Officials did not disclose the value of the deal. Analysts said the plant could start \
production as early as next year and would mostly serve the Azerbaijani army."""

SAME_SUBJECT_EN = """Azerbaijan and China will build drones and armoured vehicles together, \
according to a statement published by Baku after talks between the two countries' defence \
ministries this week.

Beijing's deputy minister of defence held meetings with Ilham Aliyev, the Azerbaijani \
president, and visited arms factories in the Baku region, the statement said.

Since its 2020 conflict with Armenia, Azerbaijan has sought new weapons suppliers beyond \
Russia and Israel, purchasing Chinese air defence equipment and trainer jets.

No financial details of the agreement were released, and it is unclear when the new \
factory will open."""

WIRE_RU = """Азербайджан и Китай договорились во вторник расширить сотрудничество в оборонной \
промышленности, включая совместное производство бронетехники и беспилотников на заводе под \
Баку, говорится в совместном заявлении правительств двух стран.

Соглашение было подписано во время визита заместителя министра обороны Китая, который \
встретился с президентом Ильхамом Алиевым и посетил несколько военных предприятий.

Азербайджан с 2020 года расширяет круг поставщиков вооружений и за последние два года купил \
у Пекина системы противовоздушной обороны и учебные самолёты."""

FOOTER = ("Subscribe to our newsletter to get the day's top stories in your inbox every \
morning, and follow us on social media for breaking news alerts.")

OTHER_EN = """The city council voted on Monday to close the old harbour bridge to cars from \
next spring, after engineers found corrosion in two of its main supports during a routine \
inspection carried out in the summer.

Buses and cyclists will still be allowed to cross while a replacement is designed, the \
council said, adding that the work could take up to four years to complete."""


def copies(body: str) -> dict[str, tuple[str, str]]:
    """(headline, body) of a copy per kind of change outlets make."""
    first = body.split("\n\n")[0]
    return {
        "tag": ("UPDATE 2-China, Azerbaijan agree defence industry cooperation", body),
        "dateline": ("China, Azerbaijan deal", "BAKU, Dec 2 (Reuters) - " + body),
        "credit": ("China, Azerbaijan deal", "By Jane Doe, Staff Writer\n\n" + body),
        "boilerplate": ("China, Azerbaijan deal", body + "\n\nReporting by John Smith; "
                        "Editing by Mark Potter\n\n" + FOOTER),
        "truncated": ("China, Azerbaijan deal", first),
        "edited": ("China, Azerbaijan deal", body.replace("on Tuesday", "on Tuesday evening")
                   .replace("several military factories", "military factories, officials said,")
                   .replace("two years", "three years")),
        "headline": ("Beijing and Baku to make drones together", body),
        "all": ("Baku deal | Daily Star", "BAKU (AP) — " + first.replace("on Tuesday", "")
                + "\n\n" + FOOTER),
    }
