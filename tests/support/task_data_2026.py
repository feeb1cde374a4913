"""Generated data in the 2026 tasks' official formats (English, Dutch, Chinese), for the 2026 task tests."""

from __future__ import annotations

from pathlib import Path

from task_scoring import write_plain_task

MULTIBLIMP = {
    "eng": [{"sen": "The cats sleep.", "wrong_sen": "The cats sleeps.", "phenomenon": "SV-#"},
            {"sen": "She walks home.", "wrong_sen": "She walk home.", "phenomenon": "SV-#"}],
    "nld": [{"sen": "De katten slapen.", "wrong_sen": "De katten slaapt.", "phenomenon": "SV-#"},
            {"sen": "Zij loopt naar huis.", "wrong_sen": "Zij lopen naar huis.", "phenomenon": "SV-#"},
            {"sen": "Wij eten brood.", "wrong_sen": "Wij eet brood.", "phenomenon": "SV-P"}],
}
BLIMP_NL = {
    "determiners": [{"sentence_good": "Het huis is groot.", "sentence_bad": "De huis is groot."}],
    "verb_second": [{"sentence_good": "Gisteren zag ik hem.", "sentence_bad": "Gisteren ik zag hem."},
                    {"sentence_good": "Nu slaapt de hond.", "sentence_bad": "Nu de hond slaapt."}],
}
ZHOBLIMP = {
    "BA_negation": [{"sentence_good": "他没把书看完。", "sentence_bad": "他把书没看完。"}],
    "classifier_noun_agreement": [{"sentence_good": "一本书", "sentence_bad": "一只书"},
                                  {"sentence_good": "三个人来了。", "sentence_bad": "三本人来了。"}],
}
XCOMPS = {
    "comps_nl": [{"acceptable_sent": "Een roodborst kan vliegen.", "unacceptable_sent": "Een steen kan vliegen."}],
    "comps_zh": [{"acceptable_sent": "知更鸟会飞。", "unacceptable_sent": "石头会飞。"},
                 {"acceptable_sent": "刀很锋利。", "unacceptable_sent": "枕头很锋利。"}],
}
HELLASWAG = {
    "en": [{"prompt": "She opens the fridge and", "choices": ["takes out milk.", "flies to the moon.",
                                                            "sings a rock.", "eats the door."], "label": 0},
           {"prompt": "The boy kicks the ball and", "choices": ["it rolls away.", "it melts.", "it talks back.",
                                                                "it becomes soup."], "label": 0}],
    "nl": [{"prompt": "Hij pakt een kopje en", "choices": ["drinkt thee.", "vliegt weg naar de maan.",
                                                           "zingt een steen.", "eet de deur op."], "label": 0},
           {"prompt": "De hond ziet een kat en", "choices": ["blaft hard.", "smelt.", "wordt soep.",
                                                             "leest een boek."], "label": 0},
           {"prompt": "Het regent dus", "choices": ["pakt zij een paraplu.", "is de zon heet.", "groeit de tafel.",
                                                    "slaapt de auto."], "label": 0}],
    "zh": [{"prompt": "她打开冰箱，", "choices": ["拿出牛奶。", "飞到月亮上。", "唱一块石头。", "吃掉门。"], "label": 0}],
}
WINOGRANDE = {
    "en": [{"prompt": "The trophy did not fit in the suitcase because the", "choices": ["trophy was too big.",
                                                                                         "suitcase was too big."],
            "label": 0}],
    "nl": [{"prompt": "De beker paste niet in de koffer omdat de", "choices": ["beker te groot was.",
                                                                               "koffer te groot was."], "label": 0}],
    "zh": [{"prompt": "奖杯放不进箱子，因为", "choices": ["奖杯太大了。", "箱子太大了。"], "label": 0}],
}
XSTORYCLOZE = {
    "en": [{"prompt": "Tom was hungry. He made a sandwich.", "choices": ["He ate it.", "He threw the sky."],
            "label": 0}],
    "nl": [{"prompt": "Anna had dorst. Ze pakte een glas.", "choices": ["Ze dronk water.", "Ze at de lucht."],
            "label": 1}],
    "zh": [{"prompt": "小明饿了。他做了一个三明治。", "choices": ["他吃了它。", "他扔了天空。"], "label": 0}],
}


def piqa_rows(n: int, offset: int = 0) -> list[dict[str, object]]:
    base = [("To dry wet hands,", "rub them on a towel.", "rub them in the mud."),
            ("To open a jar,", "twist the lid.", "twist the table very hard."),
            ("To cool soup,", "blow on it gently.", "put it in the oven for an hour.")]
    rows = []
    for i in range(n):
        prompt, good, bad = base[i % len(base)]
        label = i % 2
        sols = (good, bad) if label == 0 else (bad, good)
        rows.append({"example_id": f"eng_latn_{offset + i:03d}", "prompt": prompt, "solution0": sols[0],
                     "solution1": sols[1], "label": label, "categories": "food"})
    return rows


def write_multilingual(root: Path) -> Path:
    """Every 2026 multilingual zero-shot task's folder under `root/full_eval`."""
    write_plain_task(root, "full", "multiblimp", MULTIBLIMP)
    write_plain_task(root, "full", "blimp_nl", BLIMP_NL)
    write_plain_task(root, "full", "zhoblimp", ZHOBLIMP)
    write_plain_task(root, "full", "blimp_eng", {"anaphor_number_agreement": [
        {"sentence_good": "Many girls insulted themselves.", "sentence_bad": "Many girls insulted herself."}]})
    write_plain_task(root, "full", "xcomps", XCOMPS)
    write_plain_task(root, "full", "hellaswag_mubench", HELLASWAG)
    write_plain_task(root, "full", "winogrande_mubench", WINOGRANDE)
    write_plain_task(root, "full", "xstorycloze_mubench", XSTORYCLOZE)
    return root


def write_global_piqa(root: Path, split: str = "fast", n_parallel: int = 103, n_nonparallel: int = 100) -> Path:
    write_plain_task(root, split, "global_piqa_parallel", {"eng_latn": piqa_rows(n_parallel)})
    write_plain_task(root, split, "global_piqa_nonparallel", {"eng_latn": piqa_rows(n_nonparallel, 500)})
    return root
