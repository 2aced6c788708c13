// Documentation quality: which criteria (index/quality.h) ingest finds a card to meet, on
// small cards written for each rule (met, missing, placeholder only) and on real cards
// whose flags were checked by hand (docs/QUALITY.md, "Spot checks").
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cardex/index/quality.h"
#include "cardex/ingest/card_parser.h"
#include "ingest_support.h"
#include "quality.h"
#include "support.h"

using cardex::index::Card;
using cardex::index::CardType;
using cardex::index::Criterion;
using namespace cardex::ingest;
using cardex::test::vocabulary;

namespace {

Card parse(const std::string& readme, CardType type = CardType::Model, std::string id = "org/x") {
    CardParser p(vocabulary());
    RawRecord r;
    r.source = "test:1";
    r.id = std::move(id);
    r.type = type;
    r.readme = readme;
    std::vector<Issue> w;
    auto c = p.parse(r, w);
    REQUIRE(c.has_value());
    return c.value();
}

bool met(const Card& c, Criterion k) {
    return (c.quality_present & cardex::index::criterion_bit(k)) != 0;
}
bool missing(const Card& c, Criterion k) {
    return (c.quality_missing & cardex::index::criterion_bit(k)) != 0;
}

// A paragraph a person would write: comfortably over the eight words a description needs.
const std::string kProse =
    "This model tags people, places and organisations in Norwegian news text, trained on "
    "two decades of annotated articles from the national library.";
// The same as a tight list: not a paragraph, so never the card's first-paragraph
// description; what a section says, only the section rules can find.
const std::string kList =
    "- Tags people, places and organisations in Norwegian news text\n"
    "- Trained on two decades of annotated articles\n";

}  // namespace

TEST_CASE("a card documenting everything meets every criterion and scores 100",
          "[ingest][quality]") {
    const Card c = parse(R"(---
license: apache-2.0
language: [nb, nn]
pipeline_tag: token-classification
datasets: [NbAiLab/norne]
model-index:
- name: x
  results:
  - task: {type: token-classification}
    metrics:
    - {type: f1, value: 0.91}
---
# Norwegian NER

)" + kProse + R"(

## Intended uses

Finding names in Norwegian newspaper archives for cataloguing.

## Limitations

It was trained on news only and misses names in social media text.

## Evaluation

F1 of 0.91 on the NorNE test split, per entity type in the table below.

## Citation

```bibtex
@inproceedings{norne, title={NorNE}, year={2020}}
```
)");
    CHECK(c.quality_score == 100);
    CHECK(c.quality_missing == 0);
    CHECK(c.quality_present == cardex::index::applicable_criteria(c));
    CHECK(cardex::index::quality_band(c.quality_score) == "high");
}

TEST_CASE("the Trainer's generated card meets only what its metadata declares",
          "[ingest][quality]") {
    // The card transformers' Trainer writes, as hundreds of real cards still have it.
    const Card c = parse(R"(---
license: mit
tags:
- generated_from_trainer
model-index:
- name: x
  results: []
---

<!-- This model card has been generated automatically according to the information the Trainer had access to. -->

# x

This model is a fine-tuned version of [microsoft/phi-2](https://huggingface.co/microsoft/phi-2) on an unknown dataset.
It achieves the following results on the evaluation set:
- Loss: 0.0500

## Model description

More information needed

## Intended uses & limitations

More information needed

## Training and evaluation data

More information needed

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 0.0003
- train_batch_size: 8

### Training results

| Training Loss | Epoch | Step | Validation Loss |
|:-------------:|:-----:|:----:|:---------------:|
| 1.9738        | 0.09  | 10   | 0.6274          |
)");
    CHECK(c.quality_present == cardex::index::criterion_bit(Criterion::License));
    for (auto k : {Criterion::Description,
                   Criterion::IntendedUse,
                   Criterion::Limitations,
                   Criterion::Evaluation,
                   Criterion::Citation,
                   Criterion::Datasets,
                   Criterion::Task,
                   Criterion::Language}) {
        INFO(cardex::index::criterion_info(k).name);
        CHECK(missing(c, k));
    }
    CHECK(c.quality_score == 15);  // the licence's 15 points of 100
    CHECK(cardex::index::quality_band(c.quality_score) == "low");
}

TEST_CASE("a section counts when a person wrote in it, not when it holds a placeholder",
          "[ingest][quality]") {
    struct Rule {
        Criterion criterion;
        std::string heading;
        CardType type = CardType::Model;
    };
    const std::vector<Rule> rules{
        {Criterion::IntendedUse, "## Intended uses & limitations"},
        {Criterion::IntendedUse, "## Uses\n\n### Direct Use"},
        {Criterion::IntendedUse, "### Supported Tasks and Leaderboards", CardType::Dataset},
        {Criterion::Limitations, "## Bias, Risks, and Limitations"},
        {Criterion::Limitations, "### Out-of-Scope Use"},
        {Criterion::Limitations,
         "## Considerations for Using the Data\n\n### Other Known Limitations",
         CardType::Dataset},
        {Criterion::Evaluation, "## Evaluation results"},
        {Criterion::Evaluation,
         "## Evaluation\n\n### Testing Data, Factors & Metrics\n\n#### Results"},
        {Criterion::Citation, "## Citation"},
        {Criterion::Citation, "### Citation Information", CardType::Dataset},
        {Criterion::Datasets, "### Source Data", CardType::Dataset},
        {Criterion::License, "### Licensing Information", CardType::Dataset},
        {Criterion::Description, "### Dataset Summary", CardType::Dataset},
        {Criterion::Description, "## Model description"},
    };
    for (const auto& r : rules) {
        DYNAMIC_SECTION(r.heading) {
            for (const std::string placeholder :
                 {"[More Information Needed]",
                  "More information needed",
                  "[Needs More Information]",
                  "[More Information Needed](https://github.com/huggingface/datasets/blob/master/"
                  "CONTRIBUTING.md#how-to-contribute-to-the-dataset-cards)"}) {
                INFO(placeholder);
                const Card empty =
                    parse("# Card\n\n" + r.heading + "\n\n" + placeholder + "\n", r.type);
                CHECK(missing(empty, r.criterion));
            }
            const Card written = parse("# Card\n\n" + r.heading + "\n\n" + kList, r.type);
            CHECK(met(written, r.criterion));
        }
    }
}

TEST_CASE("a section's subsections count for it, a title's do not", "[ingest][quality]") {
    // The Hub template: the parent holds a placeholder, a subsection the author's words.
    const Card nested = parse(
        "# Card\n\n## Bias, Risks, and Limitations\n\n[More Information Needed]\n\n"
        "### Recommendations\n\nDo not use it to make decisions about people's benefits.\n");
    CHECK(met(nested, Criterion::Limitations));
    // Subsection headings are not words anyone wrote under "Evaluation".
    const Card headings_only = parse(
        "# Card\n\n## Evaluation\n\n### Testing Data, Factors & Metrics\n\n#### Testing Data\n\n"
        "[More Information Needed]\n\n### Results\n\n[More Information Needed]\n");
    CHECK(missing(headings_only, Criterion::Evaluation));
    // A repository named for risks is not a limitations section: its title heading names
    // the repository and stands above the whole card.
    const Card titled = parse("# climate-risk-prediction\n\n## Training\n\n" + kProse + "\n",
                              CardType::Model,
                              "org/climate-risk-prediction");
    CHECK(missing(titled, Criterion::Limitations));
}

TEST_CASE("the template's field labels and tool sentences are no description",
          "[ingest][quality]") {
    // The Hub's "Model Card for Model ID" template, filled in only where it asks for fields.
    const Card fields = parse(R"(# Model Card for Model ID

## Model Details

### Model Description

This is the model card of a 🤗 transformers model that has been pushed on the Hub. This model card has been automatically generated.

- **Developed by:** Jane Doe, John Roe, Erika Mustermann and Ola Nordmann
- **Model type:** [More Information Needed]
- **Language(s) (NLP):** English
)");
    CHECK(missing(fields, Criterion::Description));
    const Card merged = parse(
        "# merged\n\nThis is a merge of pre-trained language models created using mergekit.\n");
    CHECK(missing(merged, Criterion::Description));
    const Card unsloth = parse(
        "# up\n\nThis llama model was trained 2x faster with Unsloth and Huggingface's TRL "
        "library.\n");
    CHECK(missing(unsloth, Criterion::Description));
    // Too short to say what it is.
    CHECK(missing(parse("# x\n\nA model for tagging.\n"), Criterion::Description));
    // What a person wrote: the first prose paragraph; before any heading, under the title or
    // under "Model Description", in any form.
    CHECK(met(parse("# x\n\n## Training\n\n" + kProse + "\n"), Criterion::Description));
    CHECK(met(parse(kList + "\n## Usage\n\npip install x\n"), Criterion::Description));
    CHECK(met(parse("# Norwegian NER\n\n" + kList), Criterion::Description));
    CHECK(met(parse("# x\n\n## Training\n\nSteps.\n\n### Model Description\n\n" + kList),
              Criterion::Description));
    // Not a list under any other heading.
    CHECK(missing(parse("# x\n\n## Training\n\n" + kList), Criterion::Description));
}

TEST_CASE("licence, task, language and data come from the metadata", "[ingest][quality]") {
    const Card bare = parse("---\ntags: [x]\n---\n# x\n");
    for (auto k : {Criterion::License, Criterion::Task, Criterion::Language, Criterion::Datasets}) {
        INFO(cardex::index::criterion_info(k).name);
        CHECK(missing(bare, k));
    }
    const Card declared = parse(
        "---\nlicense: cc-by-4.0\npipeline_tag: text-generation\nlanguage: nb\n"
        "datasets: [NbAiLab/NCC]\n---\n# x\n");
    for (auto k : {Criterion::License, Criterion::Task, Criterion::Language, Criterion::Datasets}) {
        INFO(cardex::index::criterion_info(k).name);
        CHECK(met(declared, k));
    }
    // "unknown" is the tables' licence for none; "und" names no language.
    CHECK(missing(parse("---\nlicense: unknown\nlanguage: und\n---\n# x\n"), Criterion::License));
    CHECK(missing(parse("---\nlanguage: und\n---\n# x\n"), Criterion::Language));
    // A licence section counts, unless all it says is that the licence is unknown.
    CHECK(met(parse("# x\n\n## License\n\nMIT\n"), Criterion::License));
    CHECK(missing(parse("# x\n\n### Licensing Information\n\nUnknown.\n", CardType::Dataset),
                  Criterion::License));
    // A dataset's task categories, and its source datasets ("original" is provenance too).
    const Card dataset =
        parse("---\ntask_categories: [translation]\nsource_datasets: [original]\n---\n# d\n",
              CardType::Dataset);
    CHECK(met(dataset, Criterion::Task));
    CHECK(met(dataset, Criterion::Datasets));
}

TEST_CASE("evaluation: measured metrics in model-index or a results section, not a training log",
          "[ingest][quality]") {
    const std::string metric =
        "---\nmodel-index:\n- name: x\n  results:\n  - metrics:\n    - {type: accuracy, value: "
        "0.8}\n---\n# x\n";
    CHECK(met(parse(metric), Criterion::Evaluation));
    const std::string no_value =
        "---\nmodel-index:\n- name: x\n  results:\n  - metrics:\n    - {type: accuracy}\n---\n# "
        "x\n";
    CHECK(missing(parse(no_value), Criterion::Evaluation));
    CHECK(missing(parse("# x\n\n### Training results\n\n| Loss | Epoch |\n|---|---|\n| 0.3 | 1 |\n"
                        "\nThe loss fell steadily over the whole first epoch.\n"),
                  Criterion::Evaluation));
    CHECK(missing(parse("# x\n\n## Training and evaluation data\n\n" + kProse + "\n"),
                  Criterion::Evaluation));
    CHECK(met(parse("# x\n\n## Results\n\n| Benchmark | Score |\n|---|---|\n| MMLU | 61.2 |\n"),
              Criterion::Evaluation));
}

TEST_CASE("citation: a BibTeX entry anywhere, a written citation section or field",
          "[ingest][quality]") {
    CHECK(met(parse("# x\n\nPlease cite:\n\n```\n@misc{x2024, title={X}}\n```\n"),
              Criterion::Citation));
    CHECK(met(parse("---\ncitation: Doe, J. (2024). The X corpus. National Library.\n---\n# x\n",
                    CardType::Dataset),
              Criterion::Citation));
    // The template's empty citation section: two labels and two placeholders.
    CHECK(missing(parse("# x\n\n## Citation [optional]\n\n**BibTeX:**\n\n[More Information "
                        "Needed]\n\n**APA:**\n\n[More Information Needed]\n"),
                  Criterion::Citation));
    // An e-mail address or a handle is no BibTeX entry.
    CHECK(missing(parse("# x\n\nThanks to @someone {for} help, mail x@y.org.\n"),
                  Criterion::Citation));
}

TEST_CASE("criteria that do not apply are neither met nor missing", "[ingest][quality]") {
    // Datasets have no evaluation criterion: scored out of 90 points.
    const Card d = parse("---\nlicense: mit\n---\n# d\n", CardType::Dataset);
    CHECK_FALSE(met(d, Criterion::Evaluation));
    CHECK_FALSE(missing(d, Criterion::Evaluation));
    CHECK(d.quality_score == 17);  // 15 of 90 points
    // An image classifier is not asked for a language.
    const Card image = parse("---\npipeline_tag: image-classification\n---\n# i\n");
    CHECK_FALSE(missing(image, Criterion::Language));
    CHECK(met(image, Criterion::Task));
    CHECK(image.quality_score == 5);  // 5 of 95 points
    // Spaces: no task, no language, no evaluation.
    const Card space = parse("---\nsdk: gradio\nlicense: mit\n---\n# s\n", CardType::Space);
    CHECK(space.quality_missing == (cardex::index::applicable_criteria(space) &
                                    ~cardex::index::criterion_bit(Criterion::License)));
    CHECK_FALSE(missing(space, Criterion::Task));
    CHECK_FALSE(missing(space, Criterion::Language));
}

TEST_CASE("written words: placeholder lines and generated sentences do not count",
          "[ingest][quality]") {
    CHECK(written_words("Trained on two decades of news.") == 6);
    CHECK(written_words("- **Developed by:** [More Information Needed]") == 0);
    CHECK(written_words("This model is a fine-tuned version of bert on an unknown dataset. "
                        "It tags names.") == 3);
    CHECK(written_words("0.91 | 0.88 | 12") == 0);    // numbers are not words
    CHECK(written_words("挪威语命名实体识别") == 9);  // CJK: one word per character
}

TEST_CASE("section headings: usage forms and other languages meet their criterion",
          "[ingest][quality]") {
    const std::string words = "\n\nTag Norwegian news articles by the people and places.\n";
    auto meets = [&](const std::string& heading, Criterion k) {
        return met(parse("# x\n\n## " + heading + words), k);
    };
    // What it is for, or how it is meant to be used; never the bare "use" of a limitation.
    for (const std::string h : {"Usage",
                                "How to use",
                                "💻 Usage",
                                "Uses",
                                "Direct Use",
                                "Verwendung",
                                "Utilisation prévue",
                                "Uso previsto",
                                "Bruk",
                                "Användning",
                                "Использование",
                                "使用方法",
                                "如何使用",
                                "使い方",
                                "사용법"}) {
        INFO(h);
        CHECK(meets(h, Criterion::IntendedUse));
    }
    CHECK_FALSE(meets("Out-of-Scope Use", Criterion::IntendedUse));
    CHECK(meets("Out-of-Scope Use", Criterion::Limitations));
    CHECK_FALSE(meets("Training", Criterion::IntendedUse));
    // Each criterion's headings in other languages; capitals and accents as written.
    CHECK(meets("Modellbeschreibung", Criterion::Description));
    CHECK(meets("Descripción del modelo", Criterion::Description));
    CHECK(meets("模型介绍", Criterion::Description));
    CHECK(meets("Lizenz", Criterion::License));
    CHECK(meets("ライセンス", Criterion::License));
    CHECK(meets("Einschränkungen", Criterion::Limitations));
    CHECK(meets("Begrensninger", Criterion::Limitations));
    CHECK(meets("局限性", Criterion::Limitations));
    CHECK(meets("ÉVALUATION", Criterion::Evaluation));
    CHECK(meets("Resultados", Criterion::Evaluation));
    CHECK(meets("测评结果", Criterion::Evaluation));
    CHECK(meets("성능", Criterion::Evaluation));
    // Not a training log, in any language.
    CHECK_FALSE(meets("训练结果", Criterion::Evaluation));
    CHECK_FALSE(meets("Resultados del entrenamiento", Criterion::Evaluation));
    CHECK(meets("Zitierung", Criterion::Citation));
    CHECK(meets("引用", Criterion::Citation));
    CHECK(met(parse("# x\n\n## Datenquellen" + words, CardType::Dataset), Criterion::Datasets));
    CHECK(met(parse("# x\n\n## 数据来源" + words, CardType::Dataset), Criterion::Datasets));
    // A word inside another is not the word: "Bruksanvisning" (a manual) is not "bruk".
    CHECK_FALSE(meets("Bruksanvisning", Criterion::IntendedUse));
}

TEST_CASE("real cards: the flags of cards checked by hand", "[ingest][quality][real]") {
    const auto run = cardex::test::run({cardex::test::real_data_file("cards/models.jsonl"),
                                        cardex::test::real_data_file("cards/datasets.jsonl")});
    auto card = [&](const std::string& id) {
        const Card* c = run.find(id);
        REQUIRE(c != nullptr);
        return *c;
    };
    // The 2022 dataset template: a summary, BibTeX, source_datasets, task and language; the
    // licence is "unknown" in the metadata and "Unknown." in its section; Supported Tasks
    // and the limitations sections hold placeholders.
    const Card qa_zre = card("qa_zre");
    for (auto k : {Criterion::Description,
                   Criterion::Citation,
                   Criterion::Datasets,
                   Criterion::Task,
                   Criterion::Language}) {
        CHECK(met(qa_zre, k));
    }
    for (auto k : {Criterion::License, Criterion::IntendedUse, Criterion::Limitations}) {
        CHECK(missing(qa_zre, k));
    }
    // The Trainer's card: a licence and the Hub's pipeline tag, nothing written.
    const Card trainer = card("Litzy619/V0424HMA2");
    CHECK(trainer.quality_present == cardex::index::criterion_bit(Criterion::License));
    // An image classifier with model-index metrics, BibTeX and a "Model Usage" section, no
    // limitations; not asked for a language.
    const Card phikon = card("1aurent/phikon-distil-mobilenet_v2-kather2016");
    for (auto k : {Criterion::Description,
                   Criterion::License,
                   Criterion::Evaluation,
                   Criterion::Citation,
                   Criterion::Datasets,
                   Criterion::Task,
                   Criterion::IntendedUse}) {
        CHECK(met(phikon, k));
    }
    CHECK(phikon.quality_missing == cardex::index::criterion_bit(Criterion::Limitations));
    // A GGUF conversion: GGUF-my-repo's sentences are no description; model-index and
    // datasets copied from the original model still count.
    const Card gguf = card("hus960/Einstein-v6-7B-Q4_K_M-GGUF");
    CHECK(missing(gguf, Criterion::Description));
    CHECK(met(gguf, Criterion::Evaluation));
}
