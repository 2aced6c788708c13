#pragma once
// The state of a Searcher (searcher.h) and the machinery every call shares: the open
// snapshot, the caller's view of private databases, refresh and retry. Private to query/:
// searcher.cpp runs searches with it, searcher_calls.cpp the other calls.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "budget.h"
#include "cardex/index/errors.h"
#include "cardex/index/positions.h"
#include "cardex/index/shards.h"
#include "cardex/index/store.h"
#include "cardex/query/searcher.h"
#include "columns.h"
#include "lexicon.h"
#include "pass.h"
#include "positional.h"
#include "query_builder.h"
#include "sharded.h"
#include "warm.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace searcher_detail {

// How many times one request re-runs on a fresh snapshot after DatabaseModifiedError, and
// for how long at most. A reader at revision R survives one commit and may fail from the
// second on (glass reuses the blocks R freed; ARCHITECTURE.md, "Readers and writers"), so a
// request fails only if every attempt overlaps two commits: with commits every 30 ms and
// requests of a few ms, practically never.
constexpr int kMaxAttempts = 12;
constexpr auto kRetryBudget = std::chrono::seconds(2);
// How long a Searcher over remote shards keeps one connection before reconnecting to see a
// reindexed shard (Impl::connect_shards).
constexpr auto kShardReconnect = std::chrono::seconds(2);

}  // namespace searcher_detail

struct Searcher::Impl {
    static constexpr int kMaxAttempts = searcher_detail::kMaxAttempts;
    static constexpr auto kRetryBudget = searcher_detail::kRetryBudget;
    static constexpr auto kShardReconnect = searcher_detail::kShardReconnect;
    std::string dir;
    // One pinned generation, open read-only. Owned by this Searcher alone: Xapian objects
    // are never shared between threads.
    idx::LiveReader live;
    bool docid_order = false;
    std::shared_ptr<Columns> columns;         // held so the cache keeps them for this revision
    std::shared_ptr<const Lexicon> lexicon;   // of the open generation, made on first use
    // The open generation's summary dictionary (index/summary.h), null if it has none
    // (remote shards never do). Read at open: every hit needs it.
    std::shared_ptr<const idx::SummaryDictionary> summaries;
    std::vector<std::uint32_t> text_matches;  // reused between searches
    // The open generation's position store (index/positions.h), or null: none (an index
    // built before it, or renumbered), or one that does not open (then phrases are checked
    // through Xapian, as without one). Opened on the first phrase of a generation: a
    // mapping and a header read.
    std::shared_ptr<const idx::PositionStore> positions;
    // Its pair filter (index/pairs.h), shared by the process's searchers, or null.
    std::shared_ptr<const idx::PairFilter> pair_filter;
    std::string positions_of;  // the generation `positions` was looked for in
    bool store_only = false;   // its metadata says kMetaXapianPositions "store"
    // Whether the open generation's cards have their positions in its store only.
    bool positions_in_store_only() {
        position_store();
        return store_only;
    }
    const idx::PositionStore* position_store() {
        if (positions_of != live.generation) {
            store_only = live.db.get_metadata(std::string(idx::kMetaXapianPositions)) == "store";
            std::shared_ptr<const idx::PositionStore> found;
            auto s = idx::PositionStore::open(
                (std::filesystem::path(live.generation) / idx::kPositionsFile).string());
            // Only the store this generation's build wrote (kMetaPositions). A Xapian error
            // here leaves the generation to be looked at again on the retry.
            if (s && live.db.get_metadata(std::string(idx::kMetaPositions)) == s.value()->tag())
                found = std::move(s).value();
            positions = std::move(found);
            pair_filter =
                positions == nullptr
                    ? nullptr
                    : shared_pair_filter(
                          (std::filesystem::path(live.generation) / idx::kPairsFile).string(),
                          positions->tag());
            positions_of = live.generation;
        }
        return positions.get();
    }
    // A required phrase's candidates (every word held), and scratch for check_phrases.
    std::vector<std::uint32_t> phrase_candidates, phrase_prefix, phrase_rest;
    PassOutput pass_out;
    std::vector<std::vector<std::uint64_t>> spare_counters;  // compile_pass: reused arrays
    std::uint64_t retries = 0;  // DatabaseModifiedError re-runs, for metrics
    Budget call_budget;         // set_call_budget(): for calls without their own
    bool warming = false;       // inside warm(): moves to the newest generation regardless
    // Remote shards (index/shards.h), when the index directory's stub lists them: then
    // `live.db` joins them, has no pin, and searches go through sharded.h.
    std::vector<idx::RemoteShard> remotes;
    ShardSet shards;  // the connections live.db joins (it shares them), one per shard
    std::chrono::steady_clock::time_point connected{};  // when live.db was connected
    std::string remote_uuid;                            // the shards' joined uuids, when connected

    const Budget& budget_of(const SearchRequest& req) const {
        return BudgetCheck::is_unlimited(req.budget) ? call_budget : req.budget;
    }

    // A caller allowed private namespaces searches the public database together with their
    // private databases (index/store.h): statistics, spelling and counts then come from
    // what that caller may see, and an anonymous caller's from the public cards alone.
    struct View {
        std::vector<std::string> paths;       // the private databases included, sorted
        std::vector<Xapian::Database> parts;  // each of them (they share db's internals)
        Xapian::Database db;                  // the public database and the parts
    };
    std::optional<View> view;

    // The database for a caller allowed `namespaces` (or every namespace): the public one
    // alone unless a private database of theirs exists. Cost: a stat per namespace (one
    // directory listing for all), and opening a private database the first time.
    Xapian::Database& db_for(const std::vector<std::string>& namespaces, bool all) {
        std::vector<std::string> want;
        if (!remotes.empty()) return live.db;  // shards hold public cards only
        if (all) {
            for (auto& p : idx::private_databases(live.generation))
                want.push_back(std::move(p.path));
        } else {
            std::error_code ec;
            for (const auto& ns : namespaces) {
                std::string p = idx::private_db_path(live.generation, ns);
                if (std::filesystem::is_directory(p, ec)) want.push_back(std::move(p));
            }
            std::sort(want.begin(), want.end());
            want.erase(std::unique(want.begin(), want.end()), want.end());
        }
        if (want.empty()) return live.db;
        if (view && view->paths == want) {
            for (auto& part : view->parts) part.reopen();  // the public one is fresh already
            return view->db;
        }
        View v;
        v.paths = std::move(want);
        v.db = live.db;  // shares the public database; adding to v.db leaves live.db alone
        for (const auto& p : v.paths) {
            v.parts.emplace_back(p, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
            v.db.add_database(v.parts.back());
        }
        columns.reset();
        view = std::move(v);
        return view->db;
    }

    // The databases `db` searches as one, in order; empty when it is the public one alone.
    std::vector<const Xapian::Database*> parts_of(const Xapian::Database& db) const {
        std::vector<const Xapian::Database*> out;
        if (view && &db == &view->db) {
            out.push_back(&live.db);
            for (const auto& part : view->parts) out.push_back(&part);
        }
        return out;
    }

    // Names the snapshot `db` reads, for the columns' cache: uuid@revision of each database.
    std::string snapshot(const Xapian::Database& db) const {
        auto one = [](const Xapian::Database& d) {
            return d.get_uuid() + "@" + std::to_string(d.get_revision());
        };
        std::string key = one(live.db);
        if (view && &db == &view->db) {
            for (const auto& part : view->parts) key += ":" + one(part);
        }
        return key;
    }

    Status open_live() {
        if (!remotes.empty()) return connect_shards();
        auto r = idx::open_live(dir);
        if (!r) return std::move(r).error();
        auto dict = idx::summary_dictionary(r->db);
        if (!dict) return std::move(dict).error();
        columns.reset();
        lexicon.reset();
        view.reset();
        summaries = std::move(dict).value();
        live = std::move(r).value();  // the old pin and database go only now
        docid_order = live.db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
        return Ok{};
    }

    // Connects to the remote shards afresh: each `xapian-tcpsrv` connection opens its
    // shard's live generation, so a new connection is how a reindexed shard is seen (a
    // remote reopen() stays on the generation the connection opened). The columns hold
    // nothing for shards; the lexicon is kept while the shards' uuids are the same.
    Status connect_shards() {
        ShardSet set = open_shards(remotes);
        Xapian::Database db = set.all;
        if (auto st = idx::check_format(db); !st) return st;
        std::string uuid = db.get_uuid();
        if (uuid != remote_uuid) lexicon.reset();
        remote_uuid = std::move(uuid);
        columns.reset();
        view.reset();
        summaries.reset();
        idx::LiveReader r;
        r.db = std::move(db);
        r.generation = "remote shards:";
        for (const auto& s : remotes) r.generation += " " + s.host + ":" + std::to_string(s.port);
        live = std::move(r);
        shards = std::move(set);
        docid_order = false;
        connected = std::chrono::steady_clock::now();
        return Ok{};
    }

    // Between requests: a new generation needs a fresh Database (reopen() does not follow a
    // swapped stub); a new revision of ours is a reopen().
    Status refresh() {
        if (!remotes.empty()) {
            // Shards are reconnected at most every kShardReconnect, and after a failure.
            if (std::chrono::steady_clock::now() - connected < kShardReconnect) return Ok{};
            return connect_shards();
        }
        auto gen = idx::live_generation(dir);
        if (!gen) return std::move(gen).error();
        // A server keeps serving the open generation until the new one is warm (warm.h), at
        // that generation's newest revision: a searcher left idle while writers committed
        // (a heavy search held at the server's gate for seconds, say) may hold a revision
        // whose blocks were recycled, and without the reopen every retry hit the same
        // DatabaseModifiedError until the new generation was warm (the stress test: five
        // phrase searches failed "index changed during search too often").
        if (gen.value() != live.generation &&
            (live.generation.empty() || warming || may_switch(dir, gen.value()))) {
            return open_live();
        }
        try {
            if (live.db.reopen()) {
                docid_order =
                    live.db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
            }
        } catch (const Xapian::Error&) {
            return open_live();
        }
        return Ok{};
    }

    // Runs `fn` on the newest snapshot; if the database changed under it, re-runs the whole
    // of it on a fresh one (never only the failed call: its earlier results belong to the
    // old revision), invisibly to the caller, within kMaxAttempts and kRetryBudget.
    template <class Fn>
    auto with_retry(Fn&& fn) -> decltype(fn()) {
        const auto deadline = std::chrono::steady_clock::now() + kRetryBudget;
        for (int attempt = 1;; ++attempt) {
            // Holds the snapshot's revision for the call (store.h: a writer waits for it
            // before the commit that would recycle its blocks), released on every exit.
            struct Hold {
                idx::GenerationPin& pin;
                ~Hold() { pin.release_revision(); }
            };
            try {
                if (auto st = refresh(); !st) return std::move(st).error();
                if (!remotes.empty()) return fn();  // no pin: the shards' servers hold theirs
                live.pin.hold_revision(live.db.get_revision());
                Hold hold{live.pin};
                return fn();
            } catch (const Xapian::DatabaseModifiedError& e) {
                if (attempt >= kMaxAttempts || std::chrono::steady_clock::now() >= deadline) {
                    return idx::error_from_xapian(e, "index changed during search too often");
                }
                ++retries;
                columns.reset();
            } catch (const BudgetExceeded& e) {
                return make_error(Errc::DeadlineExceeded,
                                  e.cancelled ? "stopped: the client went away"
                                              : "the request ran past its deadline and was "
                                                "stopped (simplify the query or narrow it)",
                                  e.cancelled ? "cancelled" : "deadline");
            } catch (const Xapian::NetworkError& e) {
                // A shard that went away, or did not answer in time (sharded.h): reconnect
                // on the next call, and once now unless it timed out (a hung shard would
                // take the whole timeout again).
                connected = {};
                const bool timed_out = std::string_view(e.get_type()) == "NetworkTimeoutError";
                if (remotes.empty() || attempt >= 2 || timed_out) {
                    return make_error(Errc::Unavailable,
                                      "a shard did not answer: " + e.get_msg(),
                                      live.generation);
                }
                ++retries;
            } catch (const PositionsLost& e) {
                return make_error(Errc::DataLoss,
                                  "the position store is damaged and this generation keeps its "
                                  "cards' positions nowhere else: phrases cannot be searched "
                                  "until a reindex",
                                  std::string(e.what()));
            } catch (const Xapian::QueryParserError& e) {
                return make_error(Errc::InvalidArgument, "query does not parse: " + e.get_msg());
            } catch (const Xapian::Error& e) {
                return idx::error_from_xapian(e, "search failed");
            } catch (const std::exception& e) {
                return make_error(Errc::Internal, std::string("search failed: ") + e.what());
            }
        }
    }

    // The vocabulary of the open generation and what is derived from it (lexicon.h).
    Result<std::shared_ptr<const Lexicon>> current_lexicon() {
        if (!lexicon) {
            auto lex = Lexicon::of(live.db);
            if (!lex) return std::move(lex).error();
            lexicon = std::move(lex).value();
        }
        return lexicon;
    }

    // One search, read again in other ways while the caller sees nothing, each pass
    // decided on the caller's own total so private cards change nothing for the others:
    // - a word left as typed only because it names a card (TypoPlan::held_back) is corrected
    //   after all: `stable difusion` finds Stable Diffusion although a model is `difusion`;
    // - then the last words of a text without query syntax (droppable_words) are left out
    //   one by one (Meilisearch's "last"
    //   matching strategy; Typesense's drop_tokens_threshold 1): `digitised newspapers ocr`
    //   finds the digitised newspapers, SearchResponse::dropped says "ocr".
    // A pass that finds nothing costs its parse and match only.
    Result<SearchResponse> run(const SearchRequest& req, Xapian::Database& db) {
        TextPass pass;
        bool held_back = false;
        auto r = search_once(req, db, pass, held_back);
        if (!r || r.value().total > 0) return r;
        if (held_back) {
            pass.typo_names_too = true;
            auto named = search_once(req, db, pass, held_back);
            if (!named || named.value().total > 0) return named;
        }
        if (req.id_only || req.plain_bm25) return r;
        const std::size_t words = droppable_words(req.text).size();
        for (std::size_t drop = 1; drop < words && drop <= kMaxDroppedWords; ++drop) {
            pass.drop_words = drop;
            auto fewer = search_once(req, db, pass, held_back);
            if (!fewer) return fewer;
            if (fewer.value().total == 0) continue;
            // "Did you mean" is of the whole text, made on the first pass.
            if (fewer.value().suggestion.empty()) fewer.value().suggestion = r.value().suggestion;
            return fewer;
        }
        return r;
    }
    Result<SearchResponse> search_once(const SearchRequest& req,
                                       Xapian::Database& db,
                                       const TextPass& pass,
                                       bool& typo_held_back);
};

}  // namespace cardex::query
