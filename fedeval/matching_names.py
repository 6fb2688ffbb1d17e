"""Name material for the matching evaluation: names in their own scripts with the Latin spellings people use.

Each entry is "native|Latin spelling[|other Latin spellings…]". Latin-script locales list the name once.
The other spellings are transliteration variants (Aleksandr / Alexander, Mohammed / Muhammad), not
translations or nicknames (Pyotr / Peter, Athanasios / Thanasis), which no transliteration can reach.
"""

from __future__ import annotations

from dataclasses import dataclass


def _entries(text: str) -> list[tuple[str, list[str]]]:
    result = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        native, *latin = item.split("|")
        result.append((native, latin or [native]))
    return result


@dataclass(frozen=True)
class NameBook:
    script: str
    male: list[tuple[str, list[str]]]
    female: list[tuple[str, list[str]]]
    family: list[tuple[str, list[str]]]


ARABIC = NameBook(
    "Arabic",
    male=_entries(
        "محمد|Mohammed|Muhammad|Mohamed|Mohammad, أحمد|Ahmed|Ahmad, علي|Ali, عمر|Omar|Umar, خالد|Khalid|Khaled, "
        "يوسف|Yousef|Yusuf|Youssef, إبراهيم|Ibrahim, حسن|Hassan|Hasan, حسين|Hussein|Husayn|Hussain, "
        "عبدالله|Abdullah|Abdallah, سعيد|Saeed|Said, محمود|Mahmoud|Mahmud, مصطفى|Mustafa|Moustafa, طارق|Tariq|Tarek, "
        "كريم|Karim|Kareem, سامي|Sami, فيصل|Faisal|Faysal, ناصر|Nasser|Nasir, رشيد|Rashid|Rachid, جمال|Jamal|Gamal, "
        "سليمان|Suleiman|Sulayman, عادل|Adel|Adil, وليد|Walid|Waleed, ياسر|Yasser|Yasir, زياد|Ziad|Ziyad, بلال|Bilal, "
        "منصور|Mansour|Mansur, نبيل|Nabil|Nabeel, هشام|Hisham|Hesham, عماد|Imad|Emad"
    ),
    female=_entries(
        "فاطمة|Fatima|Fatma, عائشة|Aisha|Aysha, مريم|Maryam|Mariam, زينب|Zainab|Zaynab, نور|Nour|Noor, ليلى|Layla|Leila, "
        "سارة|Sara|Sarah, هدى|Huda|Hoda, أمل|Amal, رانيا|Rania, سلمى|Salma, دينا|Dina, هند|Hind, منى|Mona|Muna"
    ),
    family=_entries(
        "الحسن|Al-Hassan|Al Hasan, المنصوري|Al Mansouri|Al-Mansuri, الشامسي|Al Shamsi, العلي|Al-Ali, الخطيب|Al-Khatib|Khatib, "
        "حداد|Haddad, نصر|Nasr, عبد الرحمن|Abdel Rahman|Abdulrahman, القاسم|Al-Qasim|Al Kassem, الزين|Al-Zein, بكر|Bakr, "
        "حمدان|Hamdan, يونس|Younes|Yunus, سليم|Salim|Selim, شريف|Sharif|Cherif, رضوان|Radwan, عثمان|Othman|Osman|Uthman, "
        "السيد|El-Sayed|Al-Sayed, صالح|Saleh|Salih, جابر|Jaber|Jabir, موسى|Moussa|Musa, عيسى|Issa|Eissa, الحمادي|Al Hammadi, "
        "الكعبي|Al Kaabi, المهيري|Al Muhairi, النعيمي|Al Nuaimi, الظاهري|Al Dhaheri, الرميثي|Al Romaithi, الزعابي|Al Zaabi, "
        "العامري|Al Ameri, الفلاسي|Al Falasi, البلوشي|Al Balushi, الجنيبي|Al Junaibi, المري|Al Marri, الكتبي|Al Ketbi, "
        "الشحي|Al Shehhi, المزروعي|Al Mazrouei, الهاشمي|Al Hashimi, الطنيجي|Al Tunaiji"
    ),
)

HEBREW = NameBook(
    "Hebrew",
    male=_entries(
        "דוד|David, משה|Moshe|Mosheh, יעקב|Yaakov|Yakov|Yaacov, אברהם|Avraham|Abraham, יצחק|Yitzhak|Itzhak|Yitzchak, "
        "שמואל|Shmuel|Shemuel, יוסף|Yosef|Yossef, דניאל|Daniel, מיכאל|Michael, אריאל|Ariel, נועם|Noam, איתן|Eitan|Etan, "
        "עומר|Omer, יונתן|Yonatan|Jonatan, אליהו|Eliyahu|Eliahu, בנימין|Binyamin|Benyamin, חיים|Haim|Chaim, מאיר|Meir, "
        "אהרון|Aharon|Aharoni, גיל|Gil"
    ),
    female=_entries(
        "רחל|Rachel|Rahel, שרה|Sarah|Sara, לאה|Leah|Lea, רבקה|Rivka|Rivkah, מרים|Miriam, חנה|Hannah|Hana, נועה|Noa, "
        "תמר|Tamar, אסתר|Esther, יעל|Yael, מיכל|Michal, שירה|Shira, אורית|Orit, דנה|Dana"
    ),
    family=_entries(
        "כהן|Cohen|Kohen|Cohn, לוי|Levi|Levy, מזרחי|Mizrahi|Mizrachi, פרץ|Peretz|Perez, ביטון|Biton, דהן|Dahan, "
        "פרידמן|Friedman, שפירא|Shapira|Shapiro, גולדברג|Goldberg, אזולאי|Azoulay|Azulai, מלכה|Malka, חדד|Hadad, עמר|Amar, "
        "קליין|Klein, וייס|Weiss, רוזנברג|Rosenberg, כץ|Katz, ברק|Barak, שלום|Shalom, אוחיון|Ohayon, אלון|Alon, "
        "גבאי|Gabay|Gabbai, בן דוד|Ben David, אשכנזי|Ashkenazi, זילברמן|Silberman|Zilberman"
    ),
)

# Chinese: characters with pinyin, and the Wade–Giles spelling of each syllable.
CHINESE_FAMILY = _entries(
    "王|Wang|Wang, 李|Li|Li, 张|Zhang|Chang, 刘|Liu|Liu, 陈|Chen|Ch'en, 杨|Yang|Yang, 黄|Huang|Huang, 赵|Zhao|Chao, "
    "周|Zhou|Chou, 吴|Wu|Wu, 徐|Xu|Hsü, 孙|Sun|Sun, 马|Ma|Ma, 朱|Zhu|Chu, 胡|Hu|Hu, 郭|Guo|Kuo, 何|He|Ho, 林|Lin|Lin, "
    "罗|Luo|Lo, 高|Gao|Kao, 梁|Liang|Liang, 宋|Song|Sung, 郑|Zheng|Cheng, 谢|Xie|Hsieh, 韩|Han|Han"
)
CHINESE_GIVEN = _entries(
    "伟|wei|wei, 明|ming|ming, 华|hua|hua, 建|jian|chien, 国|guo|kuo, 军|jun|chün, 平|ping|p'ing, 强|qiang|ch'iang, "
    "文|wen|wen, 杰|jie|chieh, 丽|li|li, 敏|min|min, 静|jing|ching, 芳|fang|fang, 晓|xiao|hsiao, 海|hai|hai, "
    "东|dong|tung, 涛|tao|t'ao, 红|hong|hung, 玉|yu|yü, 秀|xiu|hsiu, 英|ying|ying, 志|zhi|chih, 勇|yong|yung, "
    "春|chun|ch'un, 新|xin|hsin, 成|cheng|ch'eng, 光|guang|kuang, 辉|hui|hui, 兰|lan|lan, 云|yun|yün, 金|jin|chin"
)

RUSSIAN = NameBook(
    "Cyrillic",
    male=_entries(
        "Александр|Aleksandr|Alexander|Alexandre, Сергей|Sergei|Sergey|Serguei, Дмитрий|Dmitrii|Dmitry|Dmitri, "
        "Андрей|Andrei|Andrey, Алексей|Aleksei|Alexey|Alexei, Михаил|Mikhail|Mihail, Иван|Ivan, "
        "Николай|Nikolai|Nikolay, Владимир|Vladimir, Юрий|Yurii|Yuri|Yury|Iurii, Евгений|Evgenii|Yevgeny|Evgeny, "
        "Павел|Pavel, Олег|Oleg, Виктор|Viktor|Victor, Игорь|Igor, Максим|Maksim|Maxim, Роман|Roman, "
        "Артём|Artyom|Artem, Денис|Denis, Антон|Anton, Григорий|Grigorii|Grigory, Борис|Boris, Фёдор|Fyodor|Fedor, "
        "Пётр|Pyotr|Petr, Константин|Konstantin|Konstantine"
    ),
    female=_entries(
        "Елена|Elena|Yelena, Ольга|Olga, Наталья|Natalia|Natalya, Татьяна|Tatiana|Tatyana, Ирина|Irina, "
        "Светлана|Svetlana, Анна|Anna, Мария|Maria, Екатерина|Ekaterina|Yekaterina, Юлия|Yulia|Iuliia|Yuliya, "
        "Ксения|Ksenia|Kseniya, Дарья|Daria|Darya, Анастасия|Anastasia|Anastasiya, Вера|Vera, Галина|Galina"
    ),
    family=_entries(
        "Иванов|Ivanov, Смирнов|Smirnov, Кузнецов|Kuznetsov, Попов|Popov, Васильев|Vasiliev|Vasilyev, Петров|Petrov, "
        "Соколов|Sokolov, Михайлов|Mikhailov, Новиков|Novikov, Фёдоров|Fedorov|Fyodorov, Морозов|Morozov, Волков|Volkov, "
        "Алексеев|Alekseev|Alexeyev, Лебедев|Lebedev, Семёнов|Semenov|Semyonov, Егоров|Egorov|Yegorov, Павлов|Pavlov, "
        "Козлов|Kozlov, Степанов|Stepanov, Николаев|Nikolaev|Nikolayev, Орлов|Orlov, Андреев|Andreev|Andreyev, "
        "Макаров|Makarov, Никитин|Nikitin, Захаров|Zakharov, Зайцев|Zaitsev|Zaytsev, Соловьёв|Solovyov|Soloviev, "
        "Борисов|Borisov, Яковлев|Yakovlev, Григорьев|Grigoriev|Grigoryev, Романов|Romanov, Воробьёв|Vorobyov, "
        "Сергеев|Sergeev, Кузьмин|Kuzmin, Фролов|Frolov, Александров|Aleksandrov|Alexandrov, Дмитриев|Dmitriev, "
        "Королёв|Korolev|Korolyov, Гусев|Gusev, Киселёв|Kiselev|Kiselyov, Ильин|Ilyin|Ilin, Максимов|Maksimov|Maximov, "
        "Поляков|Polyakov, Сорокин|Sorokin, Виноградов|Vinogradov, Ковалёв|Kovalev|Kovalyov, Белов|Belov, "
        "Медведев|Medvedev, Антонов|Antonov, Тарасов|Tarasov, Жуков|Zhukov, Баранов|Baranov"
    ),
)
# Patronymic stems of the male given names, in the same order as RUSSIAN.male: + "ович"/"евич", + "овна"/"евна".
PATRONYMIC_STEMS = [
    "Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Михайлов", "Иванов", "Николаев", "Владимиров",
    "Юрьев", "Евгеньев", "Павлов", "Олегов", "Викторов", "Игорев", "Максимов", "Романов", "Артёмов", "Денисов",
    "Антонов", "Григорьев", "Борисов", "Фёдоров", "Петров", "Константинов",
]  # fmt: skip

GREEK = NameBook(
    "Greek",
    male=_entries(
        "Γεώργιος|Georgios|Yeorgios, Ιωάννης|Ioannis|Ioannes, Κωνσταντίνος|Konstantinos|Constantinos, "
        "Δημήτριος|Dimitrios|Demetrios, Νικόλαος|Nikolaos|Nicolaos, Παναγιώτης|Panagiotis|Panayiotis, "
        "Βασίλειος|Vasileios|Vasilios, Χρήστος|Christos, Αθανάσιος|Athanasios|Athanassios, Μιχαήλ|Michail|Mihail, "
        "Ευάγγελος|Evangelos|Evaggelos, Σπυρίδων|Spyridon|Spiridon, Αντώνιος|Antonios|Andonios, Ανδρέας|Andreas, "
        "Θεόδωρος|Theodoros|Theodores, Σωκράτης|Sokratis|Socratis, Ηλίας|Ilias|Ilyas, Στέφανος|Stefanos|Stephanos"
    ),
    female=_entries(
        "Μαρία|Maria, Ελένη|Eleni|Elení, Αικατερίνη|Aikaterini|Ekaterini, Βασιλική|Vasiliki|Vassiliki, Σοφία|Sofia|Sophia, "
        "Αγγελική|Angeliki, Γεωργία|Georgia, Δήμητρα|Dimitra, Κωνσταντίνα|Konstantina|Constantina, Ειρήνη|Eirini|Irini, "
        "Χριστίνα|Christina, Αναστασία|Anastasia, Ευαγγελία|Evangelia|Evaggelia, Δέσποινα|Despoina|Despina"
    ),
    family=_entries(
        "Παπαδόπουλος|Papadopoulos, Παπαδημητρίου|Papadimitriou, Παπαγεωργίου|Papageorgiou, Οικονόμου|Oikonomou|Economou, "
        "Γεωργίου|Georgiou, Νικολάου|Nikolaou|Nicolaou, Ιωάννου|Ioannou, Κωνσταντίνου|Konstantinou|Constantinou, "
        "Δημητρίου|Dimitriou, Παππάς|Pappas, Βασιλείου|Vasileiou|Vassiliou, Αθανασίου|Athanasiou, Μακρής|Makris, "
        "Καραγιάννης|Karagiannis|Karayannis, Αντωνίου|Antoniou, Χριστοδούλου|Christodoulou, Αλεξίου|Alexiou, "
        "Μιχαηλίδης|Michailidis|Michaelides, Ζαχαρίου|Zachariou, Κυριακίδης|Kyriakidis|Kyriakides, "
        "Σταυρόπουλος|Stavropoulos, Ηλιόπουλος|Iliopoulos, Αναγνώστου|Anagnostou, Πετρίδης|Petridis, "
        "Λαμπράκης|Lamprakis|Lambrakis, Τσακίρης|Tsakiris, Μαυρίδης|Mavridis, Σαββίδης|Savvidis, Βλάχος|Vlachos, "
        "Κουτσούκος|Koutsoukos, Φωτίου|Fotiou|Photiou, Χατζής|Chatzis|Hatzis, Σπυρόπουλος|Spyropoulos"
    ),
)

SPANISH = NameBook(
    "Latin",
    male=_entries(
        "José, Juan, Antonio, Manuel, Francisco, Javier, Carlos, Miguel, Rafael, Pedro, Alejandro, Fernando, Luis, "
        "Sergio, Pablo, Jorge, Alberto, Diego, Álvaro, Raúl, Andrés, Ramón, Víctor, Rubén, Iván"
    ),
    female=_entries(
        "María, Carmen, Josefa, Isabel, Ana, Laura, Cristina, Lucía, Marta, Elena, Pilar, Dolores, Paula, Raquel, "
        "Sara, Beatriz, Rosa, Silvia, Nuria, Mónica, Inés, Sofía, Teresa, Verónica"
    ),
    family=_entries(
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz, "
        "Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, Vázquez, "
        "Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, Marín, "
        "Sanz, Núñez, Iglesias, Medina, Garrido, Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto"
    ),
)

GERMAN = NameBook(
    "Latin",
    male=_entries(
        "Jürgen, Jörg, Günter, Dieter, Klaus, Stefan, Matthias, Andreas, Thomas, Michael, Uwe, Björn, Sören, Lukas, "
        "Maximilian, Tobias, Florian, Sebastian, Felix, Jonas, Horst, Wolfgang, Frank, Rüdiger, Jan"
    ),
    female=_entries(
        "Ursula, Monika, Petra, Sabine, Jutta, Birgit, Heike, Käthe, Anna, Lena, Jana, Lisa, Sophie, "
        "Hannah, Katharina, Julia, Laura, Charlotte, Renate"
    ),
    family=_entries(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch, Bauer, "
        "Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange, "
        "Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, "
        "Fuchs, Peters, Lang, Scholz, Möller, Weiß, Jung, Hahn, Vogel, Friedrich, Günther, Keller"
    ),
)

FRENCH = NameBook(
    "Latin",
    male=_entries(
        "Jean, Pierre, Michel, André, Philippe, Nicolas, Julien, Thomas, Antoine, Mathieu, Sébastien, François, "
        "Laurent, Olivier, Christophe, Guillaume, Hugo, Lucas, Théo, Maxime, Rémi, Étienne, Jérôme, Cédric, Benoît"
    ),
    female=_entries(
        "Marie, Nathalie, Isabelle, Sylvie, Catherine, Camille, Léa, Chloé, Manon, Émilie, Julie, Céline, Sophie, "
        "Aurélie, Hélène, Margaux, Inès, Juliette, Élodie, Anaïs, Gaëlle, Noémie, Océane, Clémence"
    ),
    family=_entries(
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, Lefèvre, "
        "Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, "
        "Bonnet, François, Legrand, Garnier, Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, Nicolas, "
        "Perrin, Morin, Mathieu, Clément, Gauthier, Dumont, Fontaine, Chevalier, Robin, Masson, Lemaire, Bérard"
    ),
)

# Names no pool record carries, for near misses: (male given, female given, family), in Latin.
UNUSED: dict[str, tuple[list[str], list[str], list[str]]] = {
    "ru": (
        ["Ilya", "Kirill", "Stanislav", "Vadim", "Gleb", "Timur", "Ruslan", "Vitaly", "Arkady", "Leonid"],
        ["Alina", "Polina", "Oksana", "Valentina", "Lyudmila", "Larisa", "Zoya", "Nina"],
        [
            "Petrenko",
            "Ivanenko",
            "Kuzmenko",
            "Popescu",
            "Sokolsky",
            "Volkovich",
            "Orlovsky",
            "Pavlenko",
            "Lebedinsky",
            "Novak",
        ],
    ),
    "ar": (
        ["Mahdi", "Hamza", "Marwan", "Samir", "Fadi", "Rami", "Osama", "Anwar", "Tamer", "Hani"],
        ["Rasha", "Lubna", "Samira", "Yasmin", "Ghada", "Rima"],
        ["Al Hamdani", "Al Khalidi", "Al Harbi", "Al Otaibi", "Al Qahtani", "Al Shammari", "Haddadin", "Nasrallah"],
    ),
    "he": (
        ["Amit", "Oren", "Uri", "Tomer", "Yossi", "Erez", "Avi", "Guy"],
        ["Liat", "Noga", "Hila", "Inbar", "Keren", "Tali"],
        ["Levinson", "Katzir", "Baruch", "Segal", "Weissman", "Ben Ami", "Harel", "Tal"],
    ),
    "el": (
        ["Periklis", "Leonidas", "Aristotelis", "Stavros", "Manolis", "Pavlos", "Giorgos-Alexandros"],
        ["Zoe", "Niki", "Fotini", "Kalliopi", "Eftychia"],
        ["Papadakis", "Georgiadis", "Nikolaidis", "Konstantinidis", "Dimitrakopoulos", "Papanikolaou", "Karamanlis"],
    ),
    "es": (
        ["Gonzalo", "Ignacio", "Emilio", "Tomás", "Joaquín", "Hugo", "Marcos"],
        ["Alba", "Irene", "Claudia", "Lorena", "Noelia", "Patricia"],
        ["Gallego", "Calvo", "Vidal", "Pascual", "Herrera", "Aguilar", "Cabrera", "Fuentes"],
    ),
    "de": (
        ["Henrik", "Ralf", "Bernd", "Holger", "Jens", "Kai", "Nils"],
        ["Anke", "Silke", "Ines", "Doris", "Gisela", "Mareike"],
        ["Schuster", "Neubauer", "Brandt", "Hoffmeister", "Kellermann", "Ziegler", "Busch"],
    ),
    "fr": (
        ["Gilles", "Arnaud", "Bruno", "Damien", "Yannick", "Loïc", "Fabrice"],
        ["Agathe", "Pauline", "Solène", "Maëlle", "Coralie", "Ludivine"],
        ["Dumas", "Marchand", "Renaud", "Leclerc", "Barbier", "Fabre", "Carpentier"],
    ),
}
