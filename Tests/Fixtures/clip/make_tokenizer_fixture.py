#!/usr/bin/env python3
"""Makes tokenizer_fixture.json.gz: varied strings and their CLIP token ids from the reference tokenizers.

Run with the reference env:  ~/.unclip-refenv/bin/python Tests/Fixtures/clip/make_tokenizer_fixture.py
References: open_clip's SimpleTokenizer/tokenize (special tokens `<start_of_text>`/`<end_of_text>`),
OpenAI's clip.tokenize(truncate=True) (special tokens `<|startoftext|>`/`<|endoftext|>`), and Hugging Face
CLIPTokenizer built offline from the same bpe file (vocab.json + merges.txt written by this script).
Each case stores the 77-token row without its zero padding; `openai`/`hf` only where they differ from open_clip.
`mojibake` marks strings that ftfy.fix_encoding changes (mojibake repair, not implemented in Swift).
meta.hf_differs_only_by_cleaning counts the Hugging Face differences that vanish when transformers is given the text
after open_clip's cleaning (ftfy + HTML unescape, which transformers' CLIPTokenizer does not do).
Also writes regex_classes.txt (see write_character_classes).
"""
import gzip, json, os, random, sys, tempfile, unicodedata, warnings

warnings.filterwarnings("ignore")
import ftfy
import open_clip
from open_clip.tokenizer import SimpleTokenizer
import clip as openai_clip
from transformers import CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
BPE = os.path.join(HERE, "bpe_simple_vocab_16e6.txt.gz")
rng = random.Random(20261130)

WORDS = """a an the photo picture painting drawing sketch render of with and on in at by under over near next to
cat dog bird horse cow sheep elephant bear zebra giraffe car truck bus train boat plane bicycle motorcycle man woman
child people person chef astronaut robot wizard castle mountain river lake ocean beach forest city street skyline
sunset sunrise night morning red green blue yellow orange purple pink black white gray brown golden silver small
large tiny huge old new beautiful ugly happy sad running jumping sitting standing eating sleeping flying swimming
table chair bed sofa window door kitchen bathroom garden park field snow rain fog storm cloud sky moon sun star
oil watercolor digital 3d cinematic lighting highly detailed trending artstation 4k 8k hd photorealistic minimalist
vintage retro futuristic cyberpunk steampunk baroque impressionist cubist surreal abstract portrait landscape
macro close-up wide-angle aerial view top-down isometric low-poly pixel-art anime manga cartoon comic""".split()

CONTRACTIONS = ["don't", "it's", "we'll", "I'M", "you're", "they've", "she'd", "can't", "won't", "isn't", "O'Neil",
                "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "rock'n'roll", "y'all", "'twas",
                "ma'am", "'ſ", "dog'ſ", "'", "''", "'''s", "students'", "90's", "`quoted`"]

ACCENTED = ["café", "naïve", "Zürich", "São Paulo", "crème brûlée", "façade", "jalapeño", "Ærøskøbing", "Łódź",
            "İstanbul", "ıIiİ", "straße", "STRASSE", "ΣΟΦΙΑ ΣΟΦΟΣ", "ὈΔΥΣΣΕΎΣ", "Ελληνικά", "Москва", "Україна",
            "Việt Nam", "Đà Nẵng", "Ångström", "ǅemal", "ǈubljana", "Čech", "Dvořák", "ﬁne ﬂour ﬀ ﬃ ﬄ ﬅ ﬆ", "ĳssel",
            "ŉ", "e\u0301", "cafe\u0301", "A\u030a", "n\u0303o", "\u1e9b\u0323", "Å", "ᾼ ᾳ", "ΐ"]

SCRIPTS = ["日本語のテキスト", "東京タワー", "ｶﾀｶﾅ ﾃｽﾄ", "ひらがな", "中文字符测试", "繁體中文", "한국어 텍스트", "한글ㄱㄴㄷ",
           "العربية", "مرحبا بالعالم", "עברית", "हिन्दी", "नमस्ते", "ภาษาไทย", "ქართული", "Հայերեն", "አማርኛ", "ᏣᎳᎩ",
           "ᚠᚢᚦᚨᚱᚲ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝒥ohn", "ℌello", "Ⅻ Ⅳ ⅻ", "①②③", "²³¹", "½ ¾ ⅓", "٣٤٥", "१२३", "〇一二三", "𐌰𐌱𐌲",
           "ꙮ", "ⓐⓑⓒ", "🄰🄱", "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３！", "ﾟ", "\u3000ideographic\u3000space", "Ⓐ"]

EMOJI = ["😀", "🐱", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🇯🇵🇺🇸", "❤️", "✨🔥💯", "🏳️‍🌈", "🤖 robot", "☕️", "©", "®", "™", "∞", "≠", "→",
         "♥", "★☆", "🎉🎉🎉", "1️⃣", "#️⃣", "🧑🏿‍🚀", "🫠", "\U0001F9CC"]

HTML = ["&amp;", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;", "&#39;", "&#x27;", "&nbsp;", "a&nbsp;b", "&eacute;t&eacute;",
        "&EACUTE;", "&Eacute;", "&amp;amp;", "&amp;amp;amp;amp;", "&amp;lt;", "&amp", "&ampx", "&lt", "&ltx", "&copy2024",
        "&not that", "this&not that", "&notin;", "&notit;", "&#128512;", "&#x1F600;", "&#0;", "&#x80;", "&#150;",
        "&#13;", "&#1;", "&#xD800;", "&#1114112;", "&#99999999999;", "&#65535;", "&#x;", "&#;", "&;", "& ;",
        "&unknown;", "&hellip;", "&mdash;", "&rsquo;", "&ldquo;hi&rdquo;", "&frac12;", "&Jscr;", "&HilbertSpace;",
        "&SZLIG;", "&NTILDE; &nTILDE;", "&AMP;", "&LT;", "fish &amp; chips", "AT&T", "R&D", "&#x41;&#66;", "&#X41;",
        "&lt;script&gt;", "<b>&amp;</b>", "x < y &amp; z", "&grave;", "&DoubleLongLeftRightArrow;", "&aacute", "&Aacute",
        "&#38;amp;", "&amp;#39;", "&amp;quot;", "&#0038;", "&#x00026;", "&acE;", "&nGt;", "&NotEqualTilde;"]

PUNCT = ["hello, world!", "what?!", "...", "—", "–", "«quote»", "„German“", "“curly” ‘single’", "‛ ‟", "ʼ", "(parens)",
         "[brackets]", "{braces}", "<angle>", "a/b\\c", "e-mail@example.com", "https://example.com/path?q=1&x=2",
         "#hashtag", "@mention", "$100", "€50", "£20", "¥1000", "50%", "3.14159", "1,000,000", "2026-11-30",
         "12:30pm", "+1-555-0100", "v1.2.3", "C++", "C#", "a_b_c", "snake_case", "CamelCase", "x^2", "~tilde~",
         "*bold*", "!!!", "???", "¿qué?", "¡hola!", "•", "·", "…", "§", "¶", "†", "°C", "±", "×", "÷", "µ", "‰"]

WHITESPACE = ["  leading", "trailing  ", "  both  ", "multiple    spaces", "tab\there", "new\nline", "cr\r\nlf",
              "\u00a0nbsp\u00a0", "\u2003em\u2003space", "\u2028line\u2029para", "\u0085nel", "\x1cfs\x1dgs", "\u200bzwsp",
              "\ufeffbom", "\u200dzwj", "\x0bvt\x0cff", " \t\n ", "", " ", "\n", "\x00nul", "\x7fdel", "\x1b[31mred\x1b[0m",
              "\x1b[1;4mbold\x1b[m", "c1\x85\x92\x93\x94", "\x80euro", "\x9d\x81", "\u206atag", "\ufff9anchor",
              "\U000e0041tag", "soft\u00adhyphen", "\u180emvs"]

MOJIBAKE = ["cafÃ©", "SÃ£o Paulo", "voilÃ le travail", "Ã¼ber", "â€œquotedâ€\x9d", "Iâ€™m", "The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.",
            "ðŸ˜€", "Ã\xa0 bientÃ´t"]


def caption():
    n = rng.randint(1, 14)
    ws = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.3:
        ws = [w.capitalize() if rng.random() < 0.4 else w for w in ws]
    if rng.random() < 0.15:
        ws = [w.upper() for w in ws]
    s = " ".join(ws)
    if rng.random() < 0.5:
        s += rng.choice([".", "!", "?", ",", ";", ":", " ...", "."])
    return s


POOLS = [CONTRACTIONS, ACCENTED, SCRIPTS, EMOJI, HTML, PUNCT, WHITESPACE]


def mixed():
    parts = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(WORDS))
        elif r < 0.45:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 9))))
        else:
            parts.append(rng.choice(rng.choice(POOLS)))
    sep = rng.choice([" ", "", "  ", "\t", "-", " ", " "])
    return sep.join(parts)


HARD = ["<", ">", "\n", "\r\n", "\r", "&", "&amp", ";", "#", "lt;", "amp;", "#39;", "#x", "41;", "\x85", "\x92", "\x9d",
        "ﬁ", "ﬅ", "ŉ", "ǆ", "＆", "ａｍｐ；", "＜", "ｶﾞ", "ﾞ", "\u2019", "\u02bc", "\u201c", "\u0301", "\u0345", "ſ", "'", "ΣΑΣ",
        "ΌΣΟΣ.", "Σ", "İ", "\x1b[", "1m", "\x1b[0m", "\x00", "\x0b", "\ufeff", "\u2028", "<|endoftext|>", "<end_of_text>",
        "\u3000", "\xa0", "e", "S", "ll", "2", "٣", "½", "🐱", "ä", "a\u0308", "ß", "ẞ", "K", "\u212a"]


def hard():
    """Fragments glued with no or odd separators, so that entities, line breaks, '<' (which turns ftfy's
    unescaping off from that line on), controls and combining marks meet each other."""
    parts = [rng.choice(HARD if rng.random() < 0.7 else WORDS) for _ in range(rng.randint(2, 10))]
    return rng.choice(["", "", " ", "\n"]).join(parts)


def assigned(c):
    cat = unicodedata.category(c)
    return cat not in ("Cn", "Cs", "Co")


RANGES = [(0x20, 0x7F), (0xA0, 0x250), (0x250, 0x370), (0x370, 0x530), (0x530, 0x700), (0x900, 0xE00), (0x1000, 0x1100),
          (0x1100, 0x1200), (0x1E00, 0x2000), (0x2000, 0x2C00), (0x2C00, 0x2E80), (0x2E80, 0x3400), (0x3400, 0xA000),
          (0xA000, 0xAC00), (0xAC00, 0xD7A4), (0xF900, 0xFB00), (0xFB00, 0xFE00), (0xFE00, 0xFFFE), (0x10000, 0x10400),
          (0x1D400, 0x1D800), (0x1F000, 0x1FB00), (0x20000, 0x2A6E0)]


def random_unicode():
    lo, hi = rng.choice(RANGES)
    out = []
    for _ in range(rng.randint(1, 12)):
        while True:
            c = chr(rng.randrange(lo, hi))
            if assigned(c):
                break
        out.append(c)
        if rng.random() < 0.2:
            out.append(" ")
    return "".join(out)


def long_string():
    n = rng.randint(40, 140)
    s = " ".join(caption() for _ in range(max(1, n // 7)))
    if rng.random() < 0.3:
        s = rng.choice(["", "a" * rng.randint(50, 400) + " "]) + s
    if rng.random() < 0.2:
        s = " ".join(str(rng.randint(0, 99999)) for _ in range(n))
    if rng.random() < 0.1:
        s = "".join(rng.choice(EMOJI) for _ in range(n))
    return s


def strings():
    seen = set()
    out = []

    def add(s):
        if s not in seen:
            seen.add(s)
            out.append(s)

    for pool in POOLS + [MOJIBAKE]:
        for s in pool:
            add(s)
            add(s.upper())
            add("a photo of " + s + " in the park")
    for m in ["<start_of_text>", "<end_of_text>", "<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>",
              "a <|endoftext|> b", "!<|endoftext|>", "<|endoftext|><|startoftext|>", "<|endoftext", "<end_of_text> x",
              "<|ſtartoftext|>"]:
        add(m)
    # 77-context boundaries: exactly 75, 76, 77 content tokens.
    for n in range(70, 80):
        add(" ".join(["cat"] * n))
        add("!" * 0 + " ".join(str(i % 10) for i in range(n)))
    gens = [(caption, 5200), (mixed, 3600), (random_unicode, 1800), (long_string, 700), (hard, 1500)]
    for g, n in gens:
        for _ in range(n):
            add(g())
    return out


def write_character_classes():
    """regex_classes.txt: how Python's `regex` classes every code point under the tokenizer's flags, as runs
    "FIRST CLASS" (hex start, class until the next run): L letter, N number, S whitespace, O other, X matched by
    no alternative (dropped)."""
    import regex
    flags = regex.IGNORECASE
    tests = [("L", regex.compile(r"[\p{L}]", flags)), ("N", regex.compile(r"[\p{N}]", flags)),
             ("S", regex.compile(r"\s", flags)), ("O", regex.compile(r"[^\s\p{L}\p{N}]", flags))]
    runs, prev = [], None
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            k = "O"  # Surrogates cannot occur in Swift strings; keep the run going.
        else:
            k = next((name for name, pat in tests if pat.match(chr(cp))), "X")
        if k != prev:
            runs.append("%X %s" % (cp, k))
            prev = k
    with open(os.path.join(HERE, "regex_classes.txt"), "w") as f:
        f.write("# regex %s, Python Unicode %s\n" % (regex.__version__, unicodedata.unidata_version))
        f.write("\n".join(runs) + "\n")


def main():
    write_character_classes()
    texts = strings()
    oc = SimpleTokenizer(BPE)
    oc_rows = oc(texts).tolist()
    oa_rows = openai_clip.tokenize(texts, truncate=True).tolist()

    # Hugging Face files made offline from the same bpe file.
    merges = gzip.open(BPE).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
    vocab = list(oc.byte_encoder.values())
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m.split()) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
        hf = CLIPTokenizer(vocab=os.path.join(d, "vocab.json"), merges=os.path.join(d, "merges.txt"))
        hf_ids = hf(texts, truncation=True, max_length=77)["input_ids"]
        from open_clip.tokenizer import _clean_lower
        hf_cleaned = hf([_clean_lower(t) for t in texts], truncation=True, max_length=77)["input_ids"]

    def trim(row):
        while row and row[-1] == 0:
            row.pop()
        return row

    cases = []
    counts = {"openai_differs": 0, "hf_differs": 0, "hf_differs_only_by_cleaning": 0, "mojibake": 0}
    for t, a, b, h, hc in zip(texts, oc_rows, oa_rows, hf_ids, hf_cleaned):
        a, b = trim(a), trim(b)
        case = {"text": t, "ids": " ".join(map(str, a))}
        if b != a:
            case["openai"] = " ".join(map(str, b))
            counts["openai_differs"] += 1
        if list(h) != a:
            case["hf"] = " ".join(map(str, h))
            counts["hf_differs"] += 1
            counts["hf_differs_only_by_cleaning"] += list(hc) == b
        if ftfy.fix_encoding(t) != t:
            case["mojibake"] = True
            counts["mojibake"] += 1
        cases.append(case)
    meta = {"references": {"open_clip": open_clip.__version__, "ftfy": ftfy.__version__,
                           "transformers": __import__("transformers").__version__,
                           "regex": __import__("regex").__version__, "python_unicode": unicodedata.unidata_version},
            "count": len(cases), **counts}
    # ASCII-only JSON: Foundation's JSON reader drops a raw U+FEFF inside strings, escaped ones survive.
    data = json.dumps({"meta": meta, "cases": cases}, ensure_ascii=True, separators=(",", ":")).encode("utf-8")
    with gzip.GzipFile(os.path.join(HERE, "tokenizer_fixture.json.gz"), "wb", mtime=0) as f:
        f.write(data)
    print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
