#include "cardex/query/eval.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "cardex/index/tsv.h"
#include "cardex/query/searcher.h"

namespace cardex::query {

namespace {

// Graded gain, as in Järvelin & Kekäläinen's nDCG with exponential gain: a 3 is worth
// seven 1s, so the top of the ranking is judged on the cards that matter.
double gain(int grade) { return std::pow(2.0, grade) - 1.0; }
double discount(std::size_t rank) { return 1.0 / std::log2(static_cast<double>(rank) + 2.0); }

}  // namespace

Result<std::vector<JudgedQuery>> load_judgments(const std::string& path) {
    auto text = index::read_text_file(path);
    if (!text) return make_error(Errc::NotFound, "cannot read judgments", path);
    std::vector<JudgedQuery> out;
    Status failed = Ok{};
    index::for_each_tsv_row(text.value(), [&](const index::TsvRow& cols) {
        if (!failed) return;
        const std::string where = path + ":" + std::to_string(cols.line);
        auto fail = [&](const char* why) {
            failed = make_error(Errc::InvalidArgument, why, where);
        };
        if (cols.size() != 5) return fail("judgment row needs 5 tab-separated columns");
        int grade = -1;
        if (cols[4].size() == 1 && cols[4][0] >= '0' && cols[4][0] <= '3') grade = cols[4][0] - '0';
        if (grade < 0) return fail("grade must be 0-3");
        if (cols[3].find('/') == std::string_view::npos) return fail("card must be type/id");
        if (out.empty() || out.back().id != cols[0]) {
            for (const auto& q : out) {
                if (q.id == cols[0]) return fail("rows of a query must be consecutive");
            }
            out.push_back({std::string(cols[0]), std::string(cols[1]), std::string(cols[2]), {}});
        }
        if (grade > 0) out.back().grades[std::string(cols[3])] = grade;
    });
    if (!failed) return std::move(failed).error();
    return out;
}

Result<EvalReport> evaluate(Searcher& searcher,
                            const std::vector<JudgedQuery>& queries,
                            const EvalOptions& options) {
    EvalReport report;
    for (const auto& q : queries) {
        SearchRequest req;
        req.text = q.text;
        req.limit = options.depth;
        req.snippets = false;
        req.sort = Sort::Relevance;
        req.plain_bm25 = options.plain_bm25;
        auto resp = searcher.search(req);
        if (!resp) return std::move(resp).error();

        QueryScore s{q.id, q.cls, q.text, 0, 0, {}};
        double dcg = 0;
        for (std::size_t i = 0; i < resp->hits.size(); ++i) {
            const auto& c = resp->hits[i].card;
            std::string key = std::string(index::card_type_name(c.type)) + "/" + c.id;
            auto it = q.grades.find(key);
            const int g = it == q.grades.end() ? 0 : it->second;
            dcg += gain(g) * discount(i);
            if (s.rr == 0 && g >= options.mrr_grade) s.rr = 1.0 / static_cast<double>(i + 1);
            s.top.push_back(std::move(key));
        }
        std::vector<int> ideal;
        for (const auto& [card, g] : q.grades) ideal.push_back(g);
        std::sort(ideal.begin(), ideal.end(), std::greater<>());
        double idcg = 0;
        for (std::size_t i = 0; i < ideal.size() && i < options.depth; ++i) {
            idcg += gain(ideal[i]) * discount(i);
        }
        s.ndcg = idcg > 0 ? dcg / idcg : 0;
        report.queries.push_back(std::move(s));
    }

    auto add_to = [&](const std::string& cls, const QueryScore& s) {
        auto it = std::find_if(report.classes.begin(), report.classes.end(),
                               [&](const ClassScore& c) { return c.cls == cls; });
        if (it == report.classes.end()) {
            report.classes.push_back({cls, 0, 0, 0});
            it = report.classes.end() - 1;
        }
        ++it->queries;
        it->ndcg += s.ndcg;
        it->mrr += s.rr;
    };
    report.classes.push_back({"all", 0, 0, 0});
    for (const auto& s : report.queries) {
        add_to("all", s);
        add_to(s.cls, s);
    }
    for (auto& c : report.classes) {
        if (c.queries) {
            c.ndcg /= static_cast<double>(c.queries);
            c.mrr /= static_cast<double>(c.queries);
        }
    }
    return report;
}

}  // namespace cardex::query
