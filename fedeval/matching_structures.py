"""The name structures of issue 18, each a capability tested in tests/test_name_structures.py: docs/matching.md's
section on them, written beside the measured figures."""

NAME_STRUCTURES = """## Name structures (issue 18)

Each structure below is a capability of its own, tested in `tests/test_name_structures.py` (a hit with the
same birth date both ways, a name that still counts without it, and through a real store on both engines):

| structure | examples |
|---|---|
| Chinese names in Cantonese readings (Hong Kong, Macao) | Chan Tai Man 陳大文, Leung Chiu Wai 梁朝偉, Ho Hung Sun 何鴻燊; character by character: Tang Ka-piu 鄧嘉彪, Tse Ka Lok 謝家樂, Ieong Chi Kin 楊志堅, Vong Hin Fai 黃顯輝 |
| in Hokkien readings (Singapore, Malaysia) | Tan Kah Kee 陳嘉庚, Lim Boon Keng 林文慶, Teo Chee Hean 張志賢, Koh Boon Hwee 许文辉 |
| in Wade–Giles (Taiwan) | Chiang Ching-kuo 蔣經國, Ma Ying-jeou 馬英九, Tsai Ing-wen 蔡英文 |
| family name first or last; a Western given name beside | Xiaoming Wang 王晓明, Kah Kee Tan 陳嘉庚; Tony Leung Chiu-wai 梁朝偉 |
| a Western given name beside the family name alone: a hit with the same birth date, none by names alone | Andrew Wan 尹兆文, Felix Tsang 曾志明, Johnny Chiang 江志仁, Annette Lu 呂秀芳 |
| Arabic names of several parts with bin, ibn, abu | Khalid bin Abdullah Al-Saud / Khalid Abdullah Saud, Osama bin Laden / أسامة بن لادن |
| Abd al- and -ullah compounds, joined or apart | Abdul Rahman / Abdulrahman, Abd al-Rahman / Abdelrahman / Abdurrahman, Ataullah / Ata Ullah |
| the article al-/el- kept or dropped | Mohamed El-Sayed / Muhammad al-Sayyid, Mohamed Sayed / محمد السيد |
| Persian and Pashto compounds | Gholamreza / Gholam Reza, Mohammad Javad Zarif / محمدجواد ظریف, Gulbuddin Hekmatyar / ګلبدين حکمتيار |
| Slavic patronymics kept or left out; feminine surname forms | Ivan Sidorov / Иван Петрович Сидоров; Anna Ivanov / Анна Иванова, Jana Novak / Jana Nováková |
| hyphenated and double family names | María García-López / María García López / María García, Helena Bonham-Carter |
| siblings (hard non-matches, same birth date): no hit | Ahmed / Saeed bin Khalid Al-Nuaimi, Ivan / Sergei Petrovich Sidorov, 陳大文 / 陳小文 |

The Hokkien readings were written against the examples above (their tune set). Held out, looked at once to
report: 21 real people of Singapore, Malaysia and Taiwan in their own romanisations against their names in
characters (their names as generally published; not a committed set). With the same birth date, 11 were hits
(9 before the Hokkien readings); by names alone 9 scored above the threshold. The Cantonese readings and the
Western given name came later and were written against 270 members of the legislatures of Hong Kong, Macao,
Taiwan and Singapore, their names in characters and in their own Latin spelling as Wikidata has them (read
from EveryPolitician's extracts, which carry no licence of their own: not a committed set, and now a tune set).
Scored as one pair each with the same birth date, the Latin name finds the name in characters for 0.90 of
those of Hong Kong and Macao (0.36 before), 0.93 of Taiwan's (0.83) and 0.60 of Singapore's (0.36). The 21
held-out people, run once more to report: 14 hits with the same birth date (Vincent Siew 蕭萬長, Lawrence Wong
黃循財 and Annette Lu 呂秀蓮 through the Western given name), 10 above the threshold by names alone. The
misses, by kind: readings neither table gives (吳 Goh, taibun has only ngôo; Teochew 王 Heng, 楊 Yeo, 乙 Ye; 勛
Hng), spellings the rules do not reach (Bock for bok, Chye for chai), a Western given name the rule takes for
a possible Chinese one (Alan, a-lan; Regina, re-gi-na beside a three-character given name) or beside the whole
name in another reading (George Yeo Yong-Boon 楊榮文). A sibling whose given name is read in another tongue
than the other side's can still pair two of three syllables across scripts (Chan Siu-man and 陳大文 score
0.64 by names: a hit with the same birth date), as it did before these readings.
"""
