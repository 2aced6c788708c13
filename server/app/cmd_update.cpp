// `cardex ingest` and `cardex delete`: live upserts and deletes, one commit per batch.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cardex/index/schema.h"
#include "cardex/index/shards.h"
#include "cardex/index/writer.h"
#include "cardex/ingest/sources.h"
#include "commands.h"

namespace cardex::app {

namespace {

struct IngestArgs {
    std::string index;
    std::vector<std::string> sources;
    std::string type;
    std::size_t batch = 1000;
    bool wait = false;
    bool allow_rejects = false;
};

// The writers of an index: one, or one per shard of a sharded index (index/shards.h), each
// card routed to the shard that holds it (shard_of). A batch is committed shard by shard:
// acknowledged once every shard has committed its part (a crash between leaves the
// committed parts, never a half-written one).
struct Writers {
    std::vector<index::IndexWriter> parts;
    std::string vocabulary_dir;  // where the index's vocabulary is read

    static Result<Writers> open(const std::string& dir, bool wait) {
        auto shards = index::shard_count(dir);
        if (!shards) return std::move(shards).error();
        Writers w;
        const std::size_t k = shards.value();
        for (std::size_t i = 0; i < std::max<std::size_t>(k, 1); ++i) {
            auto one = index::IndexWriter::open(k == 0 ? dir : index::shard_dir(dir, i), {wait});
            if (!one) return std::move(one).error();
            w.parts.push_back(std::move(one).value());
        }
        w.vocabulary_dir = k == 0 ? dir : index::shard_dir(dir, 0);
        return w;
    }
    std::size_t of(index::CardType type, const std::string& id) const {
        return parts.size() == 1 ? 0 : index::shard_of(type, id, parts.size());
    }
    Result<std::size_t> upsert(const std::vector<index::Card>& cards) {
        return routed(cards, [](index::IndexWriter& w, const std::vector<index::Card>& part) {
            return w.upsert(part);
        });
    }
    Result<std::size_t> remove(const std::vector<index::CardKey>& keys) {
        return routed(keys, [](index::IndexWriter& w, const std::vector<index::CardKey>& part) {
            return w.remove(part);
        });
    }
    // `items` (cards or keys) split by shard, `write` called once per shard that has some.
    template <class Item, class Write>
    Result<std::size_t> routed(const std::vector<Item>& items, Write write) {
        if (parts.size() == 1) return write(parts[0], items);
        std::vector<std::vector<Item>> split(parts.size());
        for (const auto& it : items) split[of(it.type, it.id)].push_back(it);
        std::size_t n = 0;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (split[i].empty()) continue;
            auto r = write(parts[i], split[i]);
            if (!r) return r;
            n += r.value();
        }
        return n;
    }
    // "12", or each shard's ("4/7/5").
    std::string revision() const {
        std::string out;
        for (const auto& p : parts) {
            if (!out.empty()) out += "/";
            out += std::to_string(p.revision());
        }
        return out;
    }
};

void print_error(const char* cmd, const Error& e) {
    std::cerr << "cardex " << cmd << ": " << e.message;
    if (!e.detail.empty()) std::cerr << " (" << e.detail << ")";
    std::cerr << "\n";
}

int run_ingest(const IngestArgs& a) {
    ingest::SourceOptions opts;
    if (!a.type.empty() && !(opts.default_type = index::parse_card_type(a.type))) {
        std::cerr << "cardex ingest: unknown --type " << a.type << "\n";
        return kExitUsage;
    }
    auto writer = Writers::open(a.index, a.wait);
    if (!writer) {
        print_error("ingest", writer.error());
        return writer.error().code == Errc::Unavailable ? kExitLocked : kExitFailure;
    }
    // The cards are normalized with the index's own vocabulary, as every card before them
    // was (the writer lock keeps a reindex from changing it meanwhile).
    auto vocab = index::read_vocabulary(writer->vocabulary_dir);
    if (!vocab) {
        print_error("ingest", vocab.error());
        return kExitFailure;
    }
    std::vector<index::Card> batch;
    std::size_t written = 0, batches = 0;
    Status failed = Ok{};
    auto flush = [&]() {
        if (batch.empty() || !failed) return;
        auto n = writer->upsert(batch);
        if (!n) {
            failed = n.error();
            return;
        }
        written += n.value();
        // This line is the acknowledgement: the batch is committed when it is printed.
        std::printf("committed batch %zu: %zu cards (revision %s)\n",
                    ++batches,
                    n.value(),
                    writer->revision().c_str());
        std::fflush(stdout);
        batch.clear();
    };
    auto report = ingest::read_cards(a.sources, vocab.value(), opts, [&](index::Card&& c) {
        batch.push_back(std::move(c));
        if (batch.size() >= a.batch) flush();
    });
    flush();
    for (const auto& r : report.rejections) {
        std::cerr << "rejected: " << terminal_text(r.source) << ": " << r.reason << ": "
                  << terminal_text(r.message) << "\n";
    }
    if (!failed) {
        print_error("ingest", failed.error());
        return kExitFailure;
    }
    for (const auto& n : report.notes) {
        std::cerr << "merged: " << n.source << ": " << n.reason << ": " << n.message << "\n";
    }
    std::fprintf(stderr, "summary: read %zu, upserted %zu, repaired %zu, merged %zu, rejected %zu\n",
                 report.read, written, report.repaired, report.merged, report.rejected);
    return report.rejected > 0 && !a.allow_rejects ? kExitRejects : kExitOk;
}

}  // namespace

void add_ingest(CLI::App& app, int& rc) {
    auto args = std::make_shared<IngestArgs>();
    auto* cmd = app.add_subcommand("ingest", "Upsert cards into the live index, batch by batch");
    cmd->add_option("--index", args->index, "Index directory")->required();
    cmd->add_option("sources", args->sources, "Card sources (files, - for stdin)")->required();
    cmd->add_option("--type", args->type, "Card type for records that do not say");
    cmd->add_option("--batch", args->batch, "Cards per committed batch")->check(CLI::Range(1, 1000000));
    cmd->add_flag("--wait", args->wait, "Wait for another writer instead of failing");
    cmd->add_flag("--allow-rejects", args->allow_rejects, "Exit 0 even when records were rejected");
    cmd->callback([args, &rc]() { rc = run_ingest(*args); });

    struct DeleteArgs {
        std::string index;
        std::string type = "model";
        std::vector<std::string> ids;
        bool wait = false;
    };
    auto del = std::make_shared<DeleteArgs>();
    auto* dcmd = app.add_subcommand("delete", "Delete cards by id from the live index");
    dcmd->add_option("--index", del->index, "Index directory")->required();
    dcmd->add_option("--type", del->type, "model|dataset|space");
    dcmd->add_option("ids", del->ids, "Card ids")->required();
    dcmd->add_flag("--wait", del->wait, "Wait for another writer instead of failing");
    dcmd->callback([del, &rc]() {
        auto type = index::parse_card_type(del->type);
        if (!type) {
            std::cerr << "cardex delete: unknown --type " << del->type << "\n";
            rc = kExitUsage;
            return;
        }
        auto writer = Writers::open(del->index, del->wait);
        if (!writer) {
            print_error("delete", writer.error());
            rc = writer.error().code == Errc::Unavailable ? kExitLocked : kExitFailure;
            return;
        }
        std::vector<index::CardKey> keys;
        for (const auto& id : del->ids) keys.push_back({*type, id});
        auto n = writer->remove(keys);
        if (!n) {
            print_error("delete", n.error());
            rc = kExitFailure;
            return;
        }
        std::printf("deleted %zu of %zu (revision %s)\n",
                    n.value(),
                    keys.size(),
                    writer->revision().c_str());
        rc = n.value() == keys.size() ? kExitOk : kExitRejects;
    });
}

}  // namespace cardex::app
