// The title rule (ingest/src/title.h): a first heading is the title unless it is a section
// name, a placeholder, another card's name or the id repeated.
#include <catch2/catch.hpp>

#include "title.h"

using cardex::ingest::choose_title;
using cardex::ingest::generic_heading;

TEST_CASE("section names and template placeholders are not titles", "[ingest][title]") {
    for (const char* h : {"Introduction",
                          "1. Introduction",
                          "2) Usage",
                          "3.1 Training details",
                          "1 Introduction",
                          "🔥 News",
                          "About",
                          "Model Card",
                          "Uploaded  model",
                          "Usage:",
                          "{MODEL_NAME}",
                          "Model Card for Model ID",
                          "Dataset Card for [Dataset Name]",
                          "Dataset Card for Dataset Name",
                          "  model DESCRIPTION  ",
                          "**Overview**",
                          "📌 Contents",
                          ""}) {
        INFO(h);
        CHECK(generic_heading(h));
        CHECK(choose_title(h, "org/my-model", "my-model", "") == "my-model");
    }
    for (const char* h : {"DeepSeek V3 - INT4 (TensorRT-LLM)",
                          "NorNE: Norwegian Named Entities",
                          "A bagel, with everything",
                          "Introduction to Sami speech",
                          "2008 Sichuan earthquake",
                          "1.5B parameters, trained on code",
                          "BERT base model (uncased)"}) {
        INFO(h);
        CHECK_FALSE(generic_heading(h));
        CHECK(choose_title(h, "org/my-model", "my-model", "") == h);
    }
}

TEST_CASE("a generic heading falls back to model_name, then the repo name", "[ingest][title]") {
    CHECK(choose_title("1. Introduction", "deepseek-ai/DeepSeek-V3", "DeepSeek-V3", "") ==
          "DeepSeek-V3");
    CHECK(choose_title("About", "TheBloke/Llama-2-7B-GGUF", "Llama-2-7B-GGUF", "Llama 2 7B") ==
          "Llama 2 7B");
    // A model_name naming another repo (copied from the base model) is not this card's name.
    CHECK(choose_title("Model Card for google/gemma-7b",
                       "me/gemma-7b-ft",
                       "gemma-7b-ft",
                       "google/gemma-7b") == "gemma-7b-ft");
    CHECK(choose_title("Overview", "me/x", "x", "{MODEL_NAME}") == "x");
}

TEST_CASE("'Model Card for X' is X unless X is a repo id", "[ingest][title]") {
    CHECK(choose_title("Model Card for FLAN-T5 XXL", "google/flan-t5-xxl", "flan-t5-xxl", "") ==
          "FLAN-T5 XXL");
    CHECK(choose_title("Dataset Card for \"biology_cluster_7\"",
                       "pharaouk/biology_cluster_7",
                       "biology_cluster_7",
                       "") == "biology_cluster_7");
    CHECK(choose_title("model card for ChemBERTa-10M-MTR:",
                       "DeepChem/ChemBERTa-10M-MTR",
                       "ChemBERTa-10M-MTR",
                       "") == "ChemBERTa-10M-MTR");
    // A name the author gave, though not the repo's, is the title.
    CHECK(choose_title("Model Card for Danish BERT",
                       "DaNLP/da-bert-tone-sentiment-polarity",
                       "da-bert-tone-sentiment-polarity",
                       "") == "Danish BERT");
    // Another repo's id: a copied card.
    CHECK(choose_title("Model Card for google/gemma-7b", "me/gemma-ft", "gemma-ft", "") ==
          "gemma-ft");
    // The id repeated, in a heading or after "Card for": the repo name reads better.
    CHECK(choose_title(
              "huihui-ai/DeepSeek-V3-bf16", "huihui-ai/DeepSeek-V3-bf16", "DeepSeek-V3-bf16", "") ==
          "DeepSeek-V3-bf16");
    CHECK(choose_title("Model card for BVRA/vit_large", "BVRA/vit_large", "vit_large", "") ==
          "vit_large");
    // A name heading is kept as written.
    CHECK(choose_title("DeepSeek-V3-slice-jp64",
                       "mmnga/DeepSeek-V3-slice-jp64",
                       "DeepSeek-V3-slice-jp64",
                       "") == "DeepSeek-V3-slice-jp64");
}
