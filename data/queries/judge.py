#!/usr/bin/env python3
"""Builds data/queries/judgments.tsv from the real cards (see README.md in this directory).

Every query has a grading rule written after reading the candidate cards that the helpers
below find in the card text and front matter (never cardex's results). Grades: 3 exactly what
the query asks for, 2 highly relevant, 1 related, 0 (not written) not relevant.

    python3 data/queries/judge.py data/cards > data/queries/judgments.tsv
    python3 data/queries/judge.py data/cards --show QID   # review one query
"""
import json, os, re, sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import datafiles  # noqa: E402  (scripts/datafiles.py: the zstd-compressed data files)


def card_key(r):
    """The card's type and id as cardex serves them: some scrapes record the repository's URL
    instead of its id, and the parser takes the id (and the type the URL names) out of it
    (`from_url` in ingest/src/card_parser.cpp). Judged under the URL, such a card could never
    be counted when cardex returns it."""
    kind, rid = r["type"], r["id"]
    for host in ("https://huggingface.co/", "http://huggingface.co/", "https://hf.co/",
                 "huggingface.co/"):
        if rid.startswith(host):
            rid = rid[len(host):]
            for prefix, t in (("datasets/", "dataset"), ("spaces/", "space")):
                if rid.startswith(prefix):
                    rid, kind = rid[len(prefix):], t
            rid = rid.rstrip("/")
            break
    return kind, rid


def load(cards_dir):
    out = []
    for f in ("models.jsonl", "datasets.jsonl"):
        for line in datafiles.open_text(f"{cards_dir}/{f}"):
            r = json.loads(line)
            r["type"], r["id"] = card_key(r)
            md = r.get("readme") or ""
            fm, body = {}, md
            m = re.match(r"^---\s*\n(.*?)\n---\s*\n?(.*)$", md, re.S)
            if m:
                try:
                    fm = yaml.safe_load(m.group(1)) or {}
                except Exception:
                    fm = {}
                if not isinstance(fm, dict):
                    fm = {}
                body = m.group(2)
            title = next((l.lstrip("#").strip() for l in body.splitlines() if l.startswith("#")), "")

            def lst(v):
                if v is None:
                    return []
                return [str(x) for x in v] if isinstance(v, list) else [str(v)]

            langs = [x.lower() for x in lst(fm.get("language") or fm.get("languages"))]
            # PyYAML reads an unquoted `no` as False: that is Norwegian.
            langs = ["no" if x == "false" else x for x in langs]
            tasks = set(lst(fm.get("task_categories")) + lst(fm.get("task_ids")) +
                        lst(fm.get("pipeline_tag")) + lst(r.get("api_pipeline_tag")))
            tags = [t.lower() for t in lst(fm.get("tags"))]
            lic = fm.get("license")
            lic = " ".join(lst(lic)).lower()
            # The card's name: its id and title (tags are too noisy: merges list dozens).
            head = (r["id"] + " " + title).lower()
            out.append(dict(key=f"{r['type']}/{r['id']}", id=r["id"], type=r["type"],
                            thin=len(body.strip()) < 300,
                            dl=r.get("downloads") or 0, title=title, lang=langs, tasks=tasks,
                            tags=tags, lic=lic, head=head,
                            text=(head + " " + " ".join(tags) + " " + body).lower()))
    return out


# --- helpers over one card ------------------------------------------------------------------
def lang(c, *codes):
    """2: the card is about this language (at most 3 listed); 1: one of many; 0: no."""
    hit = [l for l in c["lang"] if l in codes]
    if not hit:
        return 0
    return 2 if len(c["lang"]) <= 3 else 1


def task(c, *needles):
    return any(n in t for t in c["tasks"] for n in needles)


def has(c, *words):
    return all(w in c["text"] for w in words)


def inhead(c, *words):
    return all(w in c["head"] for w in words)


def rx(c, pattern):
    return re.search(pattern, c["text"]) is not None


def ml(codes, names, families, topic=None):
    """A query typed in a card language (class `multilingual`): `families` are regexes for the
    query's words in any inflection ("zeitung" for "Zeitungen"). All of them in a card about the
    language (at most 3 listed, or its name in the id or title) → 3; all in another card → 2;
    a card about the language whose id or title names the query's subject in English
    (`topic`) → 2, whose text does → 1."""
    def g(c):
        about = lang(c, *codes) == 2 or any(n in c["head"] for n in names)
        if all(re.search(f, c["text"]) for f in families):
            return 3 if about else 2
        if about and topic and re.search(topic, c["head"]):
            return 2
        if about and topic and re.search(topic, c["text"]):
            return 1
        return 0
    return g


def typed(kind, rule):
    """A query that names a type ("... dataset", "... model"): a card of the other type is at
    most 1."""
    return lambda c: min(rule(c), 1) if c["type"] != kind else rule(c)


def topic(head, text=None, tasks=(), n=3, kind=None):
    """A topical query: the subject in the id or title (`head`) or the task in metadata → 3;
    the subject `n` or more times in the text → 2; once → 1. `kind` limits 3 and 2 to a type."""
    text = text or head

    def g(c):
        hits = len(re.findall(text, c["text"]))
        if re.search(head, c["head"]) or (tasks and task(c, *tasks)):
            grade = 3
        elif hits >= n:
            grade = 2
        elif hits:
            grade = 1
        else:
            return 0
        return min(grade, 1) if kind and c["type"] != kind else grade
    return g


def org(prefix, related=None):
    """An organisation: its own repositories 3; cards naming it or its models (`related`, a
    regex over the id and title) 1."""
    def g(c):
        if c["id"].lower().startswith(prefix.lower() + "/"):
            return 3
        return 1 if related and re.search(related, c["head"]) else 0
    return g


def same(qid):
    """A misspelled query (class `typo`) is graded as its correctly spelled intent: the rule of
    query `qid`."""
    return lambda c: RULES[qid](c)


# --- grading rules --------------------------------------------------------------------------
NER = ("named-entity", "token-classification")
SENT = ("sentiment",)
SUMM = ("summarization",)
ASR = ("automatic-speech-recognition",)
QA = ("question-answering", "extractive-qa", "open-domain-qa")
TRANSL = ("translation",)


def lang_task(codes, names, tasks, words):
    """A language + task query: the language in metadata (or the language's name in the id,
    title or tags) and the task in metadata (or one of `words` in the id, title or tags)."""
    def g(c):
        l = lang(c, *codes)
        if not l and any(n in c["head"] for n in names):
            l = 2
        t = task(c, *tasks) or any(re.search(r"\b" + w, c["head"]) for w in words)
        if l == 2 and t:
            return 3
        if l == 1 and t:
            return 2
        if l == 2:
            return 1
        return 0
    return g


def known(target, *others):
    """Known-item: the card itself 3; listed near-duplicates (quantizations, copies) 2 or 1."""
    def g(c):
        if c["key"] == target:
            return 3
        for k, grade in others:
            if re.fullmatch(k, c["key"]):
                return grade
        return 0
    return g


QUERIES = [
    # known item: a card's name, id or paraphrased title
    ("k01", "known", "kokoro", known("model/hexgrad/Kokoro-82M")),
    ("k02", "known", "deepseek r1", known("model/deepseek-ai/DeepSeek-R1",
        (r"model/(unsloth|opensourcerelease)/DeepSeek-R1(-bf16|-BF16)?", 2),
        (r"model/nvidia/DeepSeek-R1-FP4", 2), (r"model/.*DeepSeek-R1-Distill.*", 1))),
    ("k03", "known", "gsm8k", known("dataset/openai/gsm8k", (r"dataset/gsm8k", 3),
        (r"dataset/.*gsm8k.*", 1))),
    ("k04", "known", "legal bert", known("model/nlpaueb/legal-bert-base-uncased")),
    ("k05", "known", "stable video diffusion", known(
        "model/stabilityai/stable-video-diffusion-img2vid-xt")),
    ("k06", "known", "phi-2", known("model/microsoft/phi-2", (r"model/.*phi-2.*", 1))),
    ("k07", "known", "llama 2 7b chat", known("model/meta-llama/Llama-2-7b-chat-hf",
        (r"model/TheBloke/Llama-2-7B-Chat-GGML", 2), (r"model/FriendliAI/Llama-2-7b-chat-hf-fp8", 2))),
    ("k08", "known", "the cauldron", known("dataset/HuggingFaceM4/the_cauldron")),
    ("k09", "known", "cosmopedia", known("dataset/HuggingFaceTB/cosmopedia",
        (r"dataset/.*[cC]osmopedia.*", 1))),
    ("k10", "known", "robeczech", known("model/ufal/robeczech-base")),
    ("k11", "known", "esg bert", known("model/nbroad/ESG-BERT")),
    ("k12", "known", "scienceqa", known("dataset/derek-thomas/ScienceQA")),
    ("k13", "known", "audioset", known("dataset/agkphysics/AudioSet")),
    ("k14", "known", "kobart base v2", known("model/gogamza/kobart-base-v2")),
    ("k15", "known", "openjourney", known("model/prompthero/openjourney")),
    ("k16", "known", "unixcoder", known("model/microsoft/unixcoder-base")),
    ("k17", "known", "metamathqa", known("dataset/meta-math/MetaMathQA")),
    ("k18", "known", "stable diffusion safety checker", known(
        "model/CompVis/stable-diffusion-safety-checker")),
    ("k19", "known", "czech roberta", known("model/ufal/robeczech-base")),
    ("k20", "known", "norwegian named entities norne", known("dataset/norne",
        (r"dataset/norwegian_ner", 1))),
    ("k21", "known", "allocine movie reviews", known("dataset/allocine")),
    ("k22", "known", "chemberta", known("model/DeepChem/ChemBERTa-10M-MTR",
        (r"model/seyonec/ChemBERTa-zinc-base-v1", 3), (r"model/.*ChemBERTa.*", 2))),
    ("k23", "known", "bart large samsum", known("model/linydub/bart-large-samsum")),
    ("k24", "known", "janus pro", known("model/deepseek-ai/Janus-Pro-7B")),
    ("k25", "known", "simcse roberta large", known("model/princeton-nlp/sup-simcse-roberta-large",
        (r"model/princeton-nlp/.*simcse.*", 1))),
    # topical
    ("t01", "topical", "speech recognition whisper", lambda c:
        3 if inhead(c, "whisper") and (task(c, *ASR) or has(c, "speech recognition")) else
        2 if inhead(c, "whisper") else
        1 if task(c, *ASR) else 0),
    ("t02", "topical", "legal documents dataset", lambda c:
        0 if c["type"] != "dataset" else
        3 if re.search(r"legal|\blaw|court|contract|eurlex|ecthr|cuad|casehold|statut", c["head"]) else
        2 if rx(c, r"legal (documents?|texts?|domain|cases?|contracts?|opinions?)") else 0),
    ("t03", "topical", "chemistry language model molecules", lambda c:
        0 if c["type"] != "model" else
        3 if re.search(r"chem|molecul|smiles|\bmol\b", c["head"]) else
        2 if len(re.findall(r"\bmolecul|\bchemi", c["text"])) >= 5 else 0),
    ("t04", "topical", "math word problems", lambda c:
        3 if c["type"] == "dataset" and (has(c, "math word problem") or has(c, "grade school math")) else
        2 if c["type"] == "dataset" and rx(c, r"\bmath") and c["text"].count("math") >= 5 else
        1 if rx(c, r"\bmath") and c["text"].count("math") >= 5 else 0),
    ("t05", "topical", "text to speech", lambda c:
        3 if c["type"] == "model" and (task(c, "text-to-speech") or re.search(r"\btts\b|text-to-speech", c["head"])) else
        1 if has(c, "text-to-speech") or has(c, "text to speech") else 0),
    ("t06", "topical", "sentence embeddings", lambda c:
        3 if c["type"] == "model" and (task(c, "sentence-similarity", "feature-extraction") or inhead(c, "sentence-transformers")) and rx(c, r"embedding") else
        2 if c["type"] == "model" and rx(c, r"sentence[- ]embedding") else
        1 if rx(c, r"sentence[- ]embedding") else 0),
    ("t07", "topical", "image classification", lambda c:
        3 if task(c, "image-classification") else 1 if has(c, "image classification") else 0),
    ("t08", "topical", "object detection", lambda c:
        3 if task(c, "object-detection") else
        2 if inhead(c, "detection") or inhead(c, "yolo") or inhead(c, "detr") else
        1 if has(c, "object detection") else 0),
    ("t09", "topical", "dialogue summarization", lambda c:
        3 if re.search(r"samsum|dialog|meeting|conversation", c["head"]) and (task(c, *SUMM) or re.search(r"summ", c["head"])) else
        2 if task(c, *SUMM) and len(re.findall(r"dialog|conversation", c["text"])) >= 3 else
        1 if task(c, *SUMM) else 0),
    ("t10", "topical", "medical question answering", lambda c:
        3 if re.search(r"medic|clinic|health|covid|pubmed|\bmed", c["head"]) and (task(c, *QA) or re.search(r"qa|question", c["head"])) else
        2 if re.search(r"medic|clinic|health|covid|pubmed|\bmed", c["head"]) and rx(c, r"question") else
        1 if rx(c, r"\bmedical\b") and rx(c, r"question answering|\bqa\b") else 0),
    ("t11", "topical", "instruction tuning dataset", lambda c:
        0 if c["type"] != "dataset" else
        3 if rx(c, r"instruction[- ]tun|instruction[- ]following|sft\b") else
        1 if rx(c, r"\binstructions?\b") else 0),
    ("t12", "topical", "table question answering", lambda c:
        3 if task(c, "table-question-answering") else
        2 if rx(c, r"tabular|tables?\b") and task(c, *QA) else 0),
    ("t13", "topical", "text to image diffusion", lambda c:
        3 if task(c, "text-to-image") and rx(c, r"diffusion") else
        2 if task(c, "text-to-image") else
        1 if c["type"] == "model" and has(c, "stable diffusion") else 0),
    ("t14", "topical", "code generation", lambda c:
        3 if re.search(r"\bcode|coder\b|codegen|program", c["head"]) and rx(c, r"code generation|generat\w* code|program synthesis") else
        2 if re.search(r"\bcode|coder\b|codegen", c["head"]) else
        1 if rx(c, r"code generation|program synthesis") else 0),
    ("t15", "topical", "english german translation", lambda c:
        3 if task(c, *TRANSL) and lang(c, "de") == 2 and lang(c, "en") else
        3 if rx(c, r"\ben[-_]de\b|\bde[-_]en\b|english[- ]german|german[- ]english") and task(c, *TRANSL) else
        2 if task(c, *TRANSL) and lang(c, "de") else
        1 if task(c, *TRANSL) else 0),
    ("t16", "topical", "protein language model", lambda c:
        3 if c["type"] == "model" and rx(c, r"protein") and c["text"].count("protein") >= 3 else
        1 if rx(c, r"protein") and c["text"].count("protein") >= 3 else 0),
    ("t17", "topical", "hate speech detection", lambda c:
        3 if re.search(r"\bhate|offensive|\btoxic|abusive", c["head"]) else
        1 if len(re.findall(r"hate[- ]speech|offensive", c["text"])) >= 3 else 0),
    ("t18", "topical", "natural language inference", lambda c:
        3 if task(c, "natural-language-inference") or inhead(c, "nli") or inhead(c, "mnli") else
        1 if rx(c, r"natural language inference|entailment") else 0),
    ("t19", "topical", "gguf quantized llama", lambda c:
        3 if inhead(c, "gguf") and rx(c, r"llama") else
        1 if inhead(c, "gguf") or inhead(c, "ggml") else 0),
    ("t20", "topical", "financial sentiment", lambda c:
        3 if re.search(r"financ|finbert|phrasebank|fiqa", c["head"]) and rx(c, r"sentiment") else
        1 if rx(c, r"financ") and rx(c, r"sentiment") else 0),
    # language + task
    ("l01", "language", "norwegian ner", lang_task(("no", "nb", "nn"), ("norwegian", "norsk"), NER, ("ner",))),
    ("l02", "language", "german summarization apache", lambda c:
        (lambda g: min(3, g + (1 if g and "apache" in c["lic"] else 0)) if g < 3 else 3 if "apache" in c["lic"] else 2)(
        lang_task(("de",), ("german",), SUMM, ("summariz",))(c))),
    ("l03", "language", "french sentiment", lang_task(("fr",), ("french",), SENT, ("sentiment",))),
    ("l04", "language", "bokmål", lambda c: 3 if lang(c, "nb", "no", "nn") == 2 else
        1 if lang(c, "nb", "no", "nn") else 0),
    ("l05", "language", "arabic speech recognition", lang_task(("ar",), ("arabic",), ASR, ("asr", "speech"))),
    ("l06", "language", "korean language model", lambda c:
        0 if c["type"] != "model" else 3 if lang(c, "ko") == 2 else 1 if lang(c, "ko") else 0),
    ("l07", "language", "danish sentiment", lang_task(("da",), ("danish",), SENT, ("sentiment", "tone"))),
    ("l08", "language", "spanish question answering", lang_task(("es",), ("spanish",), QA, ("squad", " qa"))),
    ("l09", "language", "chinese ner", lang_task(("zh",), ("chinese",), NER, ("ner",))),
    ("l10", "language", "russian sentiment", lang_task(("ru",), ("russian",), SENT, ("sentiment",))),
    ("l11", "language", "czech", lambda c: 3 if lang(c, "cs") == 2 else 1 if lang(c, "cs") else 0),
    ("l12", "language", "turkish ner", lang_task(("tr",), ("turkish",), NER, ("ner",))),
    ("l13", "language", "portuguese ner", lang_task(("pt",), ("portuguese", "brazil"), NER, ("ner",))),
    ("l14", "language", "japanese llm", lambda c:
        0 if c["type"] != "model" else
        3 if lang(c, "ja") == 2 and (task(c, "text-generation") or rx(c, r"llama|gpt|mistral|llm|swallow|gemma|qwen")) else
        2 if lang(c, "ja") == 2 else 1 if lang(c, "ja") else 0),
    ("l15", "language", "german ner", lang_task(("de",), ("german",), NER, ("ner", "germeval"))),
    ("l16", "language", "hindi speech recognition", lang_task(("hi",), ("hindi",), ASR, ("asr", "whisper", "speech"))),
    ("l17", "language", "dutch", lambda c: 3 if lang(c, "nl") == 2 else 1 if lang(c, "nl") else 0),
    ("l18", "language", "vietnamese text generation", lang_task(("vi",), ("vietnamese",), ("text-generation",), ("llm", "gpt", "chat"))),
    ("l19", "language", "afrikaans named entity recognition", lang_task(("af",), ("afrikaans",), NER, ("ner",))),
    ("l20", "language", "mit license english text classification", lambda c:
        (lambda g: g if g == 0 else min(3, g + (1 if c["lic"].strip() == "mit" else -1)))(
        lang_task(("en",), ("english",), ("text-classification",), ())(c))),
    ("l21", "language", "spanish translation", lang_task(("es",), ("spanish",), TRANSL, ("translat",))),
    ("l22", "language", "indonesian", lambda c: 3 if lang(c, "id") == 2 else 1 if lang(c, "id") else 0),
    ("l23", "language", "swedish", lambda c: 3 if lang(c, "sv") == 2 else 1 if lang(c, "sv") else 0),
    # organisation
    ("o01", "org", "deepseek", lambda c:
        3 if c["id"].startswith("deepseek-ai/") else 2 if inhead(c, "deepseek") else 0),
    ("o02", "org", "stabilityai", lambda c:
        3 if c["id"].startswith("stabilityai/") else 1 if has(c, "stabilityai/") else 0),
    ("o03", "org", "google gemma", lambda c:
        3 if c["id"].startswith("google/gemma") else 1 if inhead(c, "gemma") else 0),
    ("o04", "org", "princeton nlp", lambda c:
        3 if c["id"].startswith("princeton-nlp/") else 0),
    ("o05", "org", "bigscience", lambda c:
        3 if c["id"].startswith("bigscience/") else 1 if inhead(c, "bloom") or inhead(c, "bigscience") else 0),
    ("o06", "org", "allenai datasets", lambda c:
        3 if c["id"].startswith("allenai/") and c["type"] == "dataset" else
        2 if c["id"].startswith("allenai/") else 0),
    ("o07", "org", "microsoft", lambda c:
        3 if c["id"].startswith("microsoft/") else 0),
    ("o08", "org", "eleutherai", lambda c:
        3 if c["id"].startswith("EleutherAI/") else 1 if has(c, "eleutherai") and c["text"].count("eleutherai") >= 2 else 0),
    # --- added in session 8 (issue #18): 300+ queries -------------------------------------
    # known item
    ("k26", "known", "deepseek v3", known("model/deepseek-ai/DeepSeek-V3",
        (r"model/.*/DeepSeek-V3-(bf16|GGUF|int4-TensorRT)", 2), (r"model/.*DeepSeek-V3.*", 1))),
    ("k27", "known", "stable diffusion 2.1", known("model/stabilityai/stable-diffusion-2-1",
        (r"model/.*/stable-diffusion-2-1-openvino.*", 2), (r"model/.*stable-diffusion-2-1.*", 1))),
    ("k28", "known", "stable diffusion 3 medium", known("model/stabilityai/stable-diffusion-3-medium")),
    ("k29", "known", "gemma 7b it", known("model/google/gemma-7b-it", (r"model/TitanML/gemma-7b-it", 2),
        (r"model/google/gemma-7b", 1))),
    ("k30", "known", "t0pp", known("model/bigscience/T0pp", (r"model/.*/T0pp(-sharded)?", 2))),
    ("k31", "known", "mathematics aptitude test of heuristics", known("dataset/competition_math",
        (r"dataset/(qwedsacf|dim)/competition_math", 2), (r"dataset/.*hendrycks_math.*", 1))),
    ("k32", "known", "rubert sentiment", known("model/Tatyana/rubert-base-cased-sentiment-new")),
    ("k33", "known", "layoutlm document classifier", known("model/impira/layoutlm-document-classifier")),
    ("k34", "known", "bleurt", known("model/Elron/bleurt-tiny-512")),
    ("k35", "known", "bright reasoning retrieval benchmark", known("dataset/xlangai/BRIGHT")),
    ("k36", "known", "bloom 3b", known("model/bigscience/bloom-3b", (r"model/.*bloom-3b.*", 1))),
    ("k37", "known", "danish bert tone", known("model/DaNLP/da-bert-tone-sentiment-polarity")),
    ("k38", "known", "infinitebench", known("dataset/xinrongzhang2022/InfiniteBench")),
    ("k39", "known", "brio cnn dailymail", known("model/Yale-LILY/brio-cnndm-uncased",
        (r"model/Yale-LILY/brio-xsum-cased", 1))),
    ("k40", "known", "ance msmarco passage", known("model/castorini/ance-msmarco-passage")),
    ("k41", "known", "cuad contracts", known("dataset/cuad", (r"model/.*cuad.*", 2))),
    ("k42", "known", "meditron 7b", known("model/epfl-llm/meditron-7b", (r"model/.*meditron.*", 1))),
    ("k43", "known", "proof pile 2", known("dataset/EleutherAI/proof-pile-2",
        (r"dataset/.*/proof-pile-2-streaming", 2), (r"dataset/.*/proof-pile", 1))),
    ("k44", "known", "mathinstruct", known("dataset/TIGER-Lab/MathInstruct",
        (r"dataset/agicorp/MathInstruct", 2), (r"(model|dataset)/.*[-_/]MathInstruct.*", 1))),
    ("k45", "known", "pii masking 200k", known("dataset/ai4privacy/pii-masking-200k",
        (r"dataset/.*/pii-masking-200k", 2), (r"dataset/ai4privacy/.*", 1))),
    ("k46", "known", "openmathinstruct", known("dataset/nvidia/OpenMathInstruct-1",
        (r"dataset/.*/OpenMathInstruct-1-Parsed", 2), (r"dataset/.*OpenMathInstruct.*", 1))),
    ("k47", "known", "numinamath 7b tir", known("model/AI-MO/NuminaMath-7B-TIR",
        (r"model/.*NuminaMath-7B-TIR.*", 2), (r"model/.*NuminaMath.*", 1))),
    ("k48", "known", "orangemixs", known("model/WarriorMama777/OrangeMixs")),
    ("k49", "known", "jais adapted 7b", known("model/inceptionai/jais-adapted-7b",
        (r"model/.*jais-adapted-7b-(QUANTO|HQQ|bnb|AWQ).*", 2), (r"model/.*jais.*", 1))),
    ("k50", "known", "olympiadbench", known("dataset/Hothan/OlympiadBench")),
    ("k51", "known", "mol instructions", known("dataset/zjunlp/Mol-Instructions")),
    ("k52", "known", "sapbert ncbi disease", known("model/dmis-lab/biosyn-sapbert-ncbi-disease")),
    ("k53", "known", "speech massive", known("dataset/FBK-MT/Speech-MASSIVE")),
    ("k54", "known", "r1 1776", known("model/perplexity-ai/r1-1776", (r"model/.*r1-1776.*", 2))),
    ("k55", "known", "luke conll 2003", known("model/studio-ousia/luke-large-finetuned-conll-2003",
        (r"dataset/conll2003", 1))),
    ("k56", "known", "javabert", known("model/CAUKiel/JavaBERT")),
    ("k57", "known", "sun397", known("dataset/tanganke/sun397", (r"dataset/1aurent/SUN397", 3))),
    ("k58", "known", "mgsm", known("dataset/juletxara/mgsm")),
    ("k59", "known", "mathvision", known("dataset/MathLLMs/MathVision")),
    ("k60", "known", "open web math", known("dataset/open-web-math/open-web-math")),
    ("k61", "known", "cropnet", known("dataset/CropNet/CropNet")),
    ("k62", "known", "lab bench", known("dataset/futurehouse/lab-bench")),
    ("k63", "known", "liquid v1 7b", known("model/Junfeng5/Liquid_V1_7B")),
    ("k64", "known", "bge m3", known("model/BAAI/bge-m3")),
    ("k65", "known", "idefics2", known("model/HuggingFaceM4/idefics2-8b",
        (r"model/(HuggingFaceM4|mlx-community)/idefics2-8b-.*", 2), (r"model/peterpeter8585/ai2", 2),
        (r"model/.*[Ii]defics-?2.*", 1))),
    ("k66", "known", "seamless m4t v2", known("model/facebook/seamless-m4t-v2-large")),
    ("k67", "known", "whisper large v3", known("model/openai/whisper-large-v3",
        (r"model/.*whisper-large.*", 1))),
    ("k68", "known", "dolly v2 12b", known("model/databricks/dolly-v2-12b", (r"model/.*dolly.*", 1))),
    ("k69", "known", "slimorca dedup", known("dataset/Open-Orca/SlimOrca-Dedup",
        (r"dataset/.*/slimorca-dedup.*", 2))),
    ("k70", "known", "mobilebert mnli", known("model/typeform/mobilebert-uncased-mnli")),
    # topical
    ("t21", "topical", "weather forecasting", lambda c:
        3 if re.search(r"weather", c["head"]) and rx(c, r"forecast") else
        2 if re.search(r"forecast", c["head"]) and rx(c, r"weather") else
        1 if rx(c, r"weather forecast") else 0),
    ("t22", "topical", "satellite imagery", topic(r"satellite|sentinel|bigearthnet|earth[- ]?observation|remote[- ]sensing|\beo\b",
        r"satellite", n=3)),
    ("t23", "topical", "single cell", topic(r"single[- ]?cell|scvi|scrna|geneformer", r"single[- ]cell", n=3)),
    ("t24", "topical", "dna language model", topic(r"\bdna|genom|nucleotide|agront|\bevo-1", r"\bdna\b", n=5, kind="model")),
    ("t25", "topical", "pii detection", lambda c:
        3 if re.search(r"\bpii\b", c["head"]) or (re.search(r"privacy|anonymi", c["head"]) and rx(c, r"personally identifiable|\bpii\b")) else
        2 if len(re.findall(r"personally identifiable|\bpii\b", c["text"])) >= 4 else
        1 if rx(c, r"personally identifiable|\bpii\b") else 0),
    ("t26", "topical", "document layout", topic(r"layout|docvqa|rvl|funsd", r"document layout|layout analysis|layoutlm", n=2)),
    ("t27", "topical", "math olympiad", topic(r"olympiad|\bimo\b|\baime\b|numinamath", r"olympiad", n=2)),
    ("t28", "topical", "image captioning", lambda c:
        3 if re.search(r"caption", c["head"]) and rx(c, r"\bimages?\b|\bphotos?\b") else
        2 if len(re.findall(r"image caption", c["text"])) >= 2 else
        1 if rx(c, r"image caption") else 0),
    ("t29", "topical", "visual question answering", topic(r"\bvqa|visual[- ]question", r"visual question answering|\bvqa\b", n=2,
        tasks=("visual-question-answering",))),
    ("t30", "topical", "reward model", lambda c:
        3 if c["type"] == "model" and re.search(r"reward|pairrm|[-_]rm\b", c["head"]) else
        1 if len(re.findall(r"reward model", c["text"])) >= 2 else 0),
    ("t31", "topical", "preference dataset dpo", lambda c:
        0 if c["id"].startswith("open-llm-leaderboard") else
        topic(r"\bdpo\b|[-_]dpo|preferences?\b|rlhf|\borpo\b|ultrafeedback", r"preference", n=3, kind="dataset")(c)),
    ("t32", "topical", "time series forecasting", topic(r"time[- ]?series|timeseries|chattime|chronos", r"time[- ]series", n=3,
        tasks=("time-series-forecasting",))),
    ("t33", "topical", "anime lora", lambda c:
        3 if re.search(r"anime|waifu|cyberharem|manga", c["head"]) and rx(c, r"\blora\b") else
        2 if re.search(r"anime|waifu|cyberharem|manga", c["head"]) else
        1 if rx(c, r"\banime\b") and rx(c, r"\blora\b") else 0),
    ("t34", "topical", "passage retrieval msmarco", topic(r"msmarco|ms-marco|\bance\b|colbert|\bdpr\b", r"ms ?marco", n=2)),
    ("t35", "topical", "plant disease classification", lambda c:
        3 if re.search(r"plant|crop|leaf|agri|farm", c["head"]) and rx(c, r"disease") else
        2 if len(re.findall(r"plant disease|crop disease|leaf disease", c["text"])) >= 1 else
        1 if re.search(r"plant|crop|leaf|agri", c["head"]) else 0),
    ("t36", "topical", "histopathology", topic(r"patholog|histolog|histopath|pcam|kather|nct-crc|tiatoolbox|\bbach\b|camelyon", r"histopatholog|histolog", n=2)),
    ("t37", "topical", "brain tumor mri", lambda c:
        3 if re.search(r"brain", c["head"]) and rx(c, r"tumou?r") else
        2 if rx(c, r"brain tumou?r") else 1 if rx(c, r"\bmri\b") else 0),
    ("t38", "topical", "fake news detection", topic(r"fake|misinformation|disinformation|fact[- ]?check", r"fake news", n=2)),
    ("t39", "topical", "paraphrase", lambda c:
        # "sentence-transformers/paraphrase-..." in a title names a base model, not the subject.
        topic(r"paraphras|\bpaws|mrpc|\bqqp|tapaco|qcpg", r"paraphras", n=3)(
            dict(c, head=re.sub(r"(sentence-transformers/)?paraphrase-(multilingual|minilm|mpnet|albert|distil)\S*", "", c["head"])))),
    ("t40", "topical", "spam detection", topic(r"spam", r"\bspam", n=3)),
    ("t41", "topical", "detoxification", lambda c:
        3 if re.search(r"detox", c["head"]) or c["text"].count("detoxif") >= 2 else
        2 if re.search(r"(\b|_)toxic|jigsaw", c["head"]) else
        1 if rx(c, r"detoxif") else 0),
    ("t42", "topical", "reading comprehension", lambda c:
        3 if re.search(r"\brace\b|squad|coqa|quac|\bdrop\b|reading|onestop|cosmos|mctest|quoref|sciq", c["head"]) and rx(c, r"reading comprehension") else
        2 if len(re.findall(r"reading comprehension", c["text"])) >= 2 else
        1 if rx(c, r"reading comprehension") else 0),
    ("t43", "topical", "commonsense reasoning", lambda c:
        3 if re.search(r"hellaswag|piqa|winogrande|swag|commonsense|csqa|copa|siqa|social_i_qa|\bart\b|cosmos", c["head"]) and rx(c, r"common ?sense") else
        2 if len(re.findall(r"common ?sense", c["text"])) >= 3 else
        1 if rx(c, r"common ?sense reasoning") else 0),
    ("t44", "topical", "speech emotion recognition", lambda c:
        3 if (rx(c, r"emotion") and not re.search(r"hate", c["head"]) and rx(c, r"speech|audio|voice") and
              (task(c, "audio-classification", *ASR) or re.search(r"speech|audio|voice|mesd|ravdess|crema", c["head"]))) else
        1 if rx(c, r"speech emotion|emotion recognition") else 0),
    ("t45", "topical", "music generation", topic(r"music|\bsongs?\b|melod|musika|musicgen|riffusion", r"music generation|generat\w* music", n=1,
        tasks=("text-to-audio",))),
    ("t46", "topical", "face detection", topic(r"face[- _]?detect", r"face detection", n=2)),
    ("t47", "topical", "multilingual sentence embeddings", lambda c:
        0 if c["type"] != "model" else
        3 if (re.search(r"multilingual|labse|\be5\b|bge-m3|paraphrase-multilingual", c["head"]) and
              (task(c, "sentence-similarity", "feature-extraction") or rx(c, r"(sentence|text) embeddings?"))) else
        2 if rx(c, r"embedding") and (len(c["lang"]) > 10 or inhead(c, "multilingual")) else
        1 if rx(c, r"multilingual") and rx(c, r"sentence[- ]embedding") else 0),
    ("t48", "topical", "image segmentation", topic(r"segment|\bsam\b|mask2former|segformer|unet", r"segmentation", n=3,
        tasks=("image-segmentation", "mask-generation"))),
    ("t49", "topical", "chest x-ray classification", topic(r"chest|x-?ray|cxr", r"chest x-?ray", n=2)),
    ("t50", "topical", "stable diffusion", lambda c:
        3 if re.match(r"(stabilityai|CompVis|runwayml)/stable-diffusion", c["id"]) else
        2 if re.search(r"stable[- ]diffusion|\bsdxl\b|\bsd[- ]?(1\.5|2|3|xl)", c["head"]) else
        1 if task(c, "text-to-image") and rx(c, r"stable diffusion") else 0),
    ("t51", "topical", "whisper large", lambda c:
        3 if c["id"].startswith("openai/whisper-large") else
        2 if inhead(c, "whisper") and inhead(c, "large") else
        1 if inhead(c, "whisper") else 0),
    ("t52", "topical", "bert base", lambda c:
        0 if c["type"] != "model" else
        3 if re.search(r"/bert-base-(un)?cased$", c["id"]) else
        2 if re.search(r"\bbert-base", c["id"].lower()) else
        1 if re.search(r"\bbert-base", c["text"]) and re.search(r"bert", c["id"].lower()) else 0),
    ("t53", "topical", "llama 3", lambda c:
        0 if c["type"] != "model" else
        3 if c["id"].startswith("meta-llama/Meta-Llama-3") else
        2 if re.search(r"llama[- _]?3(?![0-9])", c["id"].lower()) else
        1 if re.search(r"llama[- _]?3(?![0-9])", c["head"]) else 0),
    ("t54", "topical", "mistral", lambda c:
        3 if re.search(r"\bmistral", c["id"].lower()) and not c["thin"] else
        2 if re.search(r"\bmistral", c["head"]) else
        1 if c["text"].count("mistral") >= 3 else 0),
    ("t55", "topical", "sentence transformers", lambda c:
        3 if c["type"] == "model" and ("sentence-transformers" in c["tags"] or inhead(c, "sentencetransformer")) else
        2 if c["type"] == "model" and rx(c, r"sentence[-_ ]transformers") else
        1 if rx(c, r"sentence[-_ ]transformers") else 0),
    ("t56", "topical", "sentiment analysis", lambda c:
        3 if task(c, *SENT) or re.search(r"sentiment", c["head"]) else
        2 if c["text"].count("sentiment") >= 3 else 1 if rx(c, r"sentiment analysis") else 0),
    ("t57", "topical", "named entity recognition", lambda c:
        3 if task(c, "named-entity") or re.search(r"\bner\b|named entit", c["head"]) else
        2 if task(c, "token-classification") and rx(c, r"named entit|\bner\b") else
        1 if rx(c, r"named entity recognition") else 0),
    ("t58", "topical", "speech recognition", lambda c:
        3 if task(c, *ASR) else
        2 if re.search(r"\basr\b|speech[- ]recognition|whisper|wav2vec", c["head"]) else
        1 if rx(c, r"speech recognition") else 0),
    ("t59", "topical", "question answering", lambda c:
        3 if task(c, *QA) else
        2 if re.search(r"\bqa\b|question", c["head"]) else
        1 if rx(c, r"question answering") else 0),
    ("t60", "topical", "summarization", lambda c:
        3 if task(c, *SUMM) else
        2 if re.search(r"summar", c["head"]) else
        1 if rx(c, r"summari[sz]ation") else 0),
    # language + task (facet intent)
    ("l24", "language", "urdu named entity recognition dataset", typed("dataset", lang_task(("ur",), ("urdu",), NER, ("ner",)))),
    ("l25", "language", "arabic sentiment", lang_task(("ar",), ("arabic",), SENT, ("sentiment",))),
    ("l26", "language", "japanese speech recognition", lang_task(("ja",), ("japanese",), ASR, ("asr", "whisper", "speech"))),
    ("l27", "language", "dutch summarization model", typed("model", lang_task(("nl",), ("dutch",), SUMM, ("summar",)))),
    ("l28", "language", "hindi sentiment", lang_task(("hi",), ("hindi",), SENT, ("sentiment",))),
    ("l29", "language", "turkish text classification", lang_task(("tr",), ("turkish",), ("text-classification",), ("classif", "news_category"))),
    ("l30", "language", "korean question answering", lang_task(("ko",), ("korean",), QA, ("qa", "korquad"))),
    ("l31", "language", "persian summarization", lang_task(("fa",), ("persian", "farsi"), SUMM, ("summar",))),
    ("l32", "language", "indonesian sentiment", lang_task(("id",), ("indonesian",), SENT, ("sentiment",))),
    ("l33", "language", "thai ner", lang_task(("th",), ("thai",), NER, ("ner",))),
    ("l34", "language", "polish sentiment", lang_task(("pl",), ("polish",), SENT, ("sentiment",))),
    ("l35", "language", "russian question answering", lang_task(("ru",), ("russian",), QA, ("qa", "squad", "sberquad"))),
    ("l36", "language", "german question answering", lang_task(("de",), ("german",), QA, ("qa", "quad"))),
    ("l37", "language", "spanish ner", lang_task(("es",), ("spanish",), NER, ("ner",))),
    ("l38", "language", "arabic named entity recognition", lang_task(("ar",), ("arabic",), NER, ("ner",))),
    ("l39", "language", "chinese question answering", lang_task(("zh",), ("chinese",), QA, ("qa",))),
    ("l40", "language", "swedish ner", lang_task(("sv",), ("swedish",), NER, ("ner",))),
    ("l41", "language", "finnish ner", lang_task(("fi",), ("finnish",), NER, ("ner",))),
    ("l42", "language", "romanian sentiment", lang_task(("ro",), ("romanian",), SENT, ("sentiment",))),
    ("l43", "language", "catalan text classification", lang_task(("ca",), ("catalan",), ("text-classification",), ("classif",))),
    ("l44", "language", "basque sentiment", lang_task(("eu",), ("basque",), SENT, ("sentiment",))),
    ("l45", "language", "yoruba ner", lang_task(("yo",), ("yoruba",), NER, ("ner",))),
    ("l46", "language", "arabic translation", lang_task(("ar",), ("arabic",), TRANSL, ("translat", "mt"))),
    ("l47", "language", "japanese translation", lang_task(("ja",), ("japanese",), TRANSL, ("translat",))),
    ("l48", "language", "vietnamese speech recognition", lang_task(("vi",), ("vietnamese",), ASR, ("asr", "whisper", "speech"))),
    ("l49", "language", "amharic speech recognition", lang_task(("am",), ("amharic",), ASR, ("asr", "wav2vec", "speech"))),
    ("l50", "language", "chinese chat model", typed("model", lang_task(("zh",), ("chinese",), ("text-generation",), ("chat", "llm", "instruct")))),
    ("l51", "language", "german llm", typed("model", lang_task(("de",), ("german",), ("text-generation",), ("llm", "llama", "mistral", "mixtral", "gpt", "chat")))),
    ("l52", "language", "arabic llm", typed("model", lang_task(("ar",), ("arabic",), ("text-generation",), ("llm", "jais", "llama", "chat")))),
    ("l53", "language", "korean text classification", lang_task(("ko",), ("korean",), ("text-classification",), ("classif",))),
    ("l54", "language", "portuguese question answering", lang_task(("pt",), ("portuguese", "brazil"), QA, ("qa", "squad"))),
    ("l55", "language", "thai sentiment", lang_task(("th",), ("thai",), SENT, ("sentiment",))),
    ("l56", "language", "urdu sentiment", lang_task(("ur",), ("urdu",), SENT, ("sentiment",))),
    ("l57", "language", "tamil sentiment", lang_task(("ta",), ("tamil",), SENT, ("sentiment",))),
    ("l58", "language", "french summarization", lang_task(("fr",), ("french",), SUMM, ("summar", "orange_sum"))),
    ("l59", "language", "polish summarization", lang_task(("pl",), ("polish",), SUMM, ("summar", "polsum"))),
    ("l60", "language", "nynorsk", lambda c: 3 if lang(c, "nn") == 2 else 1 if lang(c, "nn") or has(c, "nynorsk") else 0),
    ("l61", "language", "italian ner", lang_task(("it",), ("italian",), NER, ("ner",))),
    ("l62", "language", "indonesian question answering", lang_task(("id",), ("indonesian",), QA, ("qa",))),
    ("l63", "language", "danish ner", lang_task(("da",), ("danish",), NER, ("ner",))),
    ("l64", "language", "greek text classification", lang_task(("el",), ("greek",), ("text-classification",), ("classif",))),
    # organisation
    ("o09", "org", "thebloke", org("TheBloke")),
    ("o10", "org", "nvidia", org("nvidia", r"nvidia|nemotron")),
    ("o11", "org", "meta llama", org("meta-llama")),
    ("o12", "org", "mlx community", org("mlx-community", r"\bmlx\b")),
    ("o13", "org", "prunaai", org("PrunaAI")),
    ("o14", "org", "ai4privacy", org("ai4privacy")),
    ("o15", "org", "kappaneuro", org("KappaNeuro")),
    ("o16", "org", "zhangtaolab plant dna models", org("zhangtaolab")),
    ("o17", "org", "scvi tools", org("scvi-tools")),
    ("o18", "org", "trainingdatapro", org("TrainingDataPro")),
    ("o19", "org", "baai", org("BAAI", r"\bbge\b|bge-")),
    ("o20", "org", "unsloth", org("unsloth", r"unsloth")),
    ("o21", "org", "qwen", org("Qwen", r"qwen")),
    ("o22", "org", "mradermacher", org("mradermacher")),
    ("o23", "org", "lonestriker", org("LoneStriker")),
    ("o24", "org", "google", org("google", r"gemma|flan-t5|\bgoogle\b")),
    ("o25", "org", "epfl", lambda c: 3 if re.match(r"epfl-", c["id"]) else 0),
    ("o26", "org", "cardiffnlp", org("cardiffnlp")),
    # multilingual: queries typed in a card's language, inflected differently from the card
    ("m01", "multilingual", "Zeitungen", ml(("de",), ("german",), (r"zeitung",), r"newspaper|\bnews\b")),
    ("m02", "multilingual", "Kommentar", ml(("de",), ("german",), (r"kommentar",), r"comment")),
    ("m03", "multilingual", "großen Sprachmodelle", lambda c:
        max(ml(("de",), ("german",), (r"sprachmodell",))(c),
            2 if c["type"] == "model" and lang(c, "de") == 2 and task(c, "text-generation") else 0)),
    ("m04", "multilingual", "Öffnungszeit Geschäft", ml(("de",), ("german",), (r"öffnungszeit", r"geschäft"))),
    ("m05", "multilingual", "Nachricht", ml(("de",), ("german",), (r"nachricht",), r"\bnews")),
    ("m06", "multilingual", "deutsche Meisterschaft", ml(("de",), ("german",), (r"meisterschaft",))),
    ("m07", "multilingual", "strålevernet", ml(("no", "nb", "nn"), ("norwegian",), (r"strålevern",))),
    ("m08", "multilingual", "stråledose", ml(("no", "nb", "nn"), ("norwegian",), (r"stråledos",))),
    ("m09", "multilingual", "språkbank", ml(("no", "nb", "nn", "sv"), ("norwegian", "swedish"), (r"språkbank",))),
    ("m11", "multilingual", "département", ml(("fr",), ("french",), (r"départements?\b",))),
    ("m12", "multilingual", "précipitation", ml(("fr",), ("french",), (r"précipitation",))),
    ("m13", "multilingual", "inondations", ml(("fr",), ("french",), (r"inondation",))),
    ("m14", "multilingual", "prédictions", ml(("fr",), ("french",), (r"prédi(ction|te)",))),
    ("m15", "multilingual", "analyse de sentiments", lang_task(("fr",), ("french", "allocine"), SENT, ("sentiment",))),
    ("m16", "multilingual", "tratamientos clínicos", ml(("es",), ("spanish",), (r"tratamiento", r"clínic"))),
    ("m17", "multilingual", "diagnósticos médicos", ml(("es",), ("spanish",), (r"diagnóstic", r"médic"))),
    ("m18", "multilingual", "emociones", ml(("es",), ("spanish",), (r"\bemoci",))),
    ("m19", "multilingual", "refugiado", ml(("es",), ("spanish",), (r"refugiad",))),
    ("m20", "multilingual", "películas", ml(("es",), ("spanish",), (r"\bpelícula",), r"movie|film")),
    ("m21", "multilingual", "comedias", ml(("es",), ("spanish",), (r"\bcomedias?\b",))),
    ("m22", "multilingual", "análisis de sentimientos", lang_task(("es",), ("spanish",), SENT, ("sentiment",))),
    ("m23", "multilingual", "segmentação de talhão", ml(("pt",), ("portuguese",), (r"segmenta[çc]", r"talh[ãõ]"))),
    ("m24", "multilingual", "recomendação de filme", ml(("pt",), ("portuguese",), (r"recomenda[çc]", r"\bfilme"))),
    ("m25", "multilingual", "indenizações", ml(("pt",), ("portuguese",), (r"indeniza",))),
    ("m26", "multilingual", "análise de sentimento", lang_task(("pt",), ("portuguese", "brazil"), SENT, ("sentiment",))),
    ("m27", "multilingual", "zanieczyszczenie atmosfery", ml(("pl",), ("polish",), (r"zanieczyszcz", r"atmosfer"))),
    ("m28", "multilingual", "streszczenia", ml(("pl",), ("polish",), (r"streszcz",), r"summar")),
    ("m29", "multilingual", "läkemedlen", ml(("sv",), ("swedish",), (r"läkemed",))),
    ("m30", "multilingual", "sjukdomar", ml(("sv",), ("swedish",), (r"sjukdom",))),
    ("m31", "multilingual", "физика олимпиада", ml(("ru",), ("russian",), (r"физик", r"олимпиад"))),
    ("m32", "multilingual", "отзывы на фильмы", ml(("ru",), ("russian",), (r"отзыв", r"фильм"))),
    ("m33", "multilingual", "математическая задача", ml(("ru",), ("russian",), (r"математическ", r"задач"))),
    ("m34", "multilingual", "gazeteciler", ml(("tr",), ("turkish",), (r"gazeteci",), r"\bnews")),
    ("m35", "multilingual", "Sprachmodell für Deutsch", lambda c:
        3 if c["type"] == "model" and rx(c, r"sprachmodell") else
        2 if c["type"] == "model" and lang(c, "de") == 2 and (task(c, "text-generation", "fill-mask") or rx(c, r"language model")) else 0),
    # GLAM: galleries, libraries, archives, museums
    ("g01", "glam", "digitised newspapers ocr", lambda c:
        3 if re.search(r"newspaper", c["head"]) and rx(c, r"\bocr\b|digiti[sz]|historic|europeana") else
        2 if rx(c, r"digiti[sz]ed (newspapers|books)|historical newspapers") else
        1 if re.search(r"newspaper", c["head"]) else 0),
    ("g02", "glam", "historical newspapers", lambda c:
        3 if re.search(r"newspaper", c["head"]) and rx(c, r"historic|19th|18th|europeana") else
        2 if rx(c, r"historical newspapers|newspaper archives?|gazette de lausanne") else
        1 if re.search(r"newspaper", c["head"]) else 0),
    ("g03", "glam", "british library books", lambda c:
        3 if re.search(r"british library", c["head"]) or c["id"] in ("blbooks", "blbooksgenre") else
        1 if rx(c, r"british library") else 0),
    ("g04", "glam", "library catalogue metadata", lambda c:
        3 if rx(c, r"catalogu?e") and rx(c, r"\blibrar(y|ies)\b") and rx(c, r"metadata") and rx(c, r"british library|national library") else
        1 if rx(c, r"library catalogu?e") else 0),
    ("g05", "glam", "book genre classification", lambda c:
        3 if re.search(r"(?<!face)book", c["head"]) and rx(c, r"\bgenres?\b") and (task(c, "text-classification") or rx(c, r"classif")) else
        1 if re.search(r"(?<!face)book", c["head"]) and rx(c, r"\bgenres?\b") else 0),
    ("g06", "glam", "medieval latin named entities", lambda c:
        3 if rx(c, r"medieval") and rx(c, r"\blatin\b") and rx(c, r"named entit|\bner\b") else
        1 if rx(c, r"medieval") and rx(c, r"\blatin\b") else 0),
    ("g07", "glam", "latin", lambda c:
        3 if lang(c, "la", "lat") and len([l for l in c["lang"] if l != "multilingual"]) <= 3 else
        2 if re.search(r"\blatin\b", c["head"]) else
        1 if lang(c, "la", "lat") or c["text"].count("latin") >= 2 else 0),
    ("g08", "glam", "medieval charters", lambda c:
        3 if rx(c, r"medieval charters?") else 1 if rx(c, r"medieval") else 0),
    ("g09", "glam", "historical documents ner", lambda c:
        3 if (task(c, *NER) or rx(c, r"named entit|\bner\b")) and (rx(c, r"medieval|historical (newspapers|texts|documents|languages)") or c["id"] == "euronews") else
        1 if rx(c, r"historical (newspapers|texts|documents)") else 0),
    ("g10", "glam", "digital humanities", lambda c:
        3 if task(c, "digital-humanities") or c["text"].count("digital humanities") >= 2 else
        2 if re.search(r"dhlab", c["head"]) else 1 if rx(c, r"digital[- ]humanities") else 0),
    ("g11", "glam", "poetry classification", lambda c:
        3 if re.search(r"poem|poetry|puisi|metrec", c["head"]) and (task(c, "text-classification") or rx(c, r"classif")) else
        2 if re.search(r"poem|poetry|puisi", c["head"]) else
        1 if c["text"].count("poem") + c["text"].count("poetry") >= 5 else 0),
    ("g12", "glam", "arabic poetry", lambda c:
        3 if lang(c, "ar") == 2 and rx(c, r"poem|poetry|\bmeters?\b") and c["text"].count("poe") >= 3 else
        1 if lang(c, "ar") and rx(c, r"arabic poe") else 0),
    ("g13", "glam", "19th century books", lambda c:
        3 if re.search(r"(?<!face)book", c["head"]) and rx(c, r"(19th|nineteenth)[- ]century|18\d\ds") else
        1 if rx(c, r"(19th|nineteenth)[- ]century") and rx(c, r"\bbooks?\b") else 0),
    ("g14", "glam", "cherokee", lambda c:
        3 if lang(c, "chr") == 2 or re.search(r"cherokee", c["head"]) else 1 if rx(c, r"cherokee") else 0),
    ("g15", "glam", "sanskrit texts", lambda c:
        3 if lang(c, "sa") == 2 or re.search(r"sanskrit", c["head"]) else 1 if lang(c, "sa") or rx(c, r"sanskrit") else 0),
    ("g16", "glam", "thai literature", lambda c:
        3 if lang(c, "th") == 2 and rx(c, r"literat|novel|poem|poetry") and re.search(r"tlc|literat", c["head"]) else
        1 if lang(c, "th") and rx(c, r"literature") else 0),
    ("g17", "glam", "landscape painting style", lambda c:
        3 if c["text"].count("painting") >= 3 and rx(c, r"landscape") and (task(c, "text-to-image") or inhead(c, "style")) else
        2 if c["text"].count("painting") >= 3 and rx(c, r"landscape") else
        1 if c["text"].count("painting") >= 3 else 0),
    ("g18", "glam", "chinese painting", lambda c:
        3 if re.search(r"chinese[_ -]painting", c["head"]) else
        2 if rx(c, r"chinese (ink )?painting|dong qichang|dongqichang") else
        1 if rx(c, r"chinese") and rx(c, r"\bink\b") and rx(c, r"painting") else 0),
    ("g19", "glam", "extreme weather events historical newspapers", lambda c:
        3 if rx(c, r"extreme weather") and rx(c, r"archives?|newspaper|gazette") else
        1 if re.search(r"newspaper", c["head"]) and rx(c, r"historic") else 0),
    ("g20", "glam", "bible translations", lambda c:
        3 if re.search(r"bible", c["head"]) else 2 if c["text"].count("bible") >= 3 else 1 if rx(c, r"\bbible\b") else 0),
    ("g21", "glam", "gutenberg books", lambda c:
        3 if c["type"] == "dataset" and re.search(r"gutenberg", c["head"]) else
        2 if re.search(r"gutenberg", c["head"]) else
        1 if c["text"].count("gutenberg") >= 2 else 0),
    ("g22", "glam", "europeana", lambda c:
        3 if re.search(r"europeana", c["head"]) else 1 if rx(c, r"europeana") else 0),
    ("g23", "glam", "luxembourg newspapers", lambda c:
        3 if re.search(r"newspaper", c["head"]) and rx(c, r"luxembourg|\bbnl\b") else
        1 if rx(c, r"luxembourg") and rx(c, r"newspaper") else 0),
    ("g24", "glam", "digitised books ocr", lambda c:
        3 if re.search(r"(?<!face)book", c["head"]) and rx(c, r"\bocr\b") and rx(c, r"digiti[sz]") else
        2 if rx(c, r"digiti[sz]ed books") else
        1 if rx(c, r"\bocr\b") and rx(c, r"digiti[sz]") else 0),
    ("g25", "glam", "indian languages identification", lambda c:
        3 if task(c, "language-identification") and sum(1 for l in c["lang"] if l in ("hi", "bho", "awa", "bra", "mag", "mai", "bn", "ta", "te", "mr", "ur", "gu", "kn", "ml", "pa", "or")) >= 3 else
        1 if task(c, "language-identification") else 0),
    ("g26", "glam", "old newspapers dutch french german ner", lambda c:
        3 if c["id"] == "euronews" or (re.search(r"newspaper", c["head"]) and (task(c, *NER) or rx(c, r"named entit"))) else
        1 if re.search(r"newspaper", c["head"]) else 0),
    # typo: misspelled queries, graded as their correctly spelled intent
    ("y01", "typo", "deepsek r1", same("k02")),
    ("y02", "typo", "stable difusion", same("t50")),
    ("y03", "typo", "wisper large", same("t51")),
    ("y04", "typo", "bret base", same("t52")),
    ("y05", "typo", "lama 3", same("t53")),
    ("y06", "typo", "mistrall", same("t54")),
    ("y07", "typo", "sentense transformers", same("t55")),
    ("y08", "typo", "gms8k", same("k03")),
    ("y09", "typo", "cosmopeda", same("k09")),
    ("y10", "typo", "openjourny", same("k15")),
    ("y11", "typo", "robeczek", same("k10")),
    ("y12", "typo", "unixcodr", same("k16")),
    ("y13", "typo", "stable video difussion", same("k05")),
    ("y14", "typo", "legal bret", same("k04")),
    ("y15", "typo", "bart larg samsum", same("k23")),
    ("y16", "typo", "speach recognition", same("t58")),
    ("y17", "typo", "text to speach", same("t05")),
    ("y18", "typo", "objet detection", same("t08")),
    ("y19", "typo", "image clasification", same("t07")),
    ("y20", "typo", "sentimnet analysis", same("t56")),
    ("y21", "typo", "named entity recogniton", same("t57")),
    ("y22", "typo", "question answring", same("t59")),
    ("y23", "typo", "sumarization", same("t60")),
    ("y24", "typo", "hate speach detection", same("t17")),
    ("y25", "typo", "protien language model", same("t16")),
    ("y26", "typo", "natual language inference", same("t18")),
    ("y27", "typo", "finacial sentiment", same("t20")),
    ("y28", "typo", "norwegain ner", same("l01")),
    ("y29", "typo", "arabic speach recognition", same("l05")),
    ("y30", "typo", "deepseak", same("o01")),
    ("y31", "typo", "microsfot", same("o07")),
    ("y32", "typo", "eleuter ai", same("o08")),
    ("y33", "typo", "bigscince", same("o05")),
    ("y34", "typo", "metamathq", same("k17")),
    ("y35", "typo", "chemberat", same("k22")),
    ("y36", "typo", "the couldron", same("k08")),
    ("y37", "typo", "alocine movie reviews", same("k21")),
    ("y38", "typo", "kokorro", same("k01")),
    ("y39", "typo", "whisper larg v3", same("k67")),
    ("y40", "typo", "instruction tunning dataset", same("t11")),
    ("y41", "typo", "medicl question answering", same("t10")),
]
RULES = {qid: rule for qid, _, _, rule in QUERIES}


def main():
    cards = load(sys.argv[1])
    show = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--show" else None
    if not show:
        print("#qid\tclass\tquery\tcard\tgrade")
        print("# Generated by data/queries/judge.py from the real cards; see README.md.")
    for qid, cls, text, grade in QUERIES:
        # A card with (almost) no text is at most "related", whatever its metadata says.
        graded = [(min(grade(c), 1 if c["thin"] else 3), c) for c in cards]
        graded = [(g, c) for g, c in graded if g > 0]
        graded.sort(key=lambda gc: (-gc[0], -gc[1]["dl"], gc[1]["key"]))
        if show and qid != show and show != "all":
            continue
        if show:
            print(f"== {qid} [{cls}] {text}: {len(graded)} judged "
                  f"({sum(1 for g, _ in graded if g == 3)} at 3)")
            for g, c in graded[:40]:
                print(f"  {g} {c['key']:<62} L={','.join(c['lang'][:4])} {c['title'][:50]}")
            continue
        assert any(g >= 2 for g, _ in graded), f"{qid}: no card graded 2 or 3"
        for g, c in graded:
            print(f"{qid}\t{cls}\t{text}\t{c['key']}\t{g}")


if __name__ == "__main__":
    main()
