#pragma once
// An organisation's impact: what it published and what others built on it (docs/GLAM.md,
// "Organisations"). Shared by GET /api/organizations/{name}, its CSV and the /{name} page.
// Private to cardex_server.
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/query/response.h"
#include "cardex/query/searcher.h"

namespace cardex::server {

/// At most this many of an organisation's cards are read for totals, charts and the CSV;
/// past it the report says `truncated` (its counts by type, task, language and license stay
/// exact).
inline constexpr std::size_t kMaxOrgItems = 10000;

struct OrgItem {
    index::Card card;
    std::uint64_t derived = 0;  ///< models of others that name it as base model
    std::uint64_t trained = 0;  ///< cards of others that name it as a dataset they used
};

struct OrgReport {
    std::string name;  ///< as the cards write it
    std::uint64_t total = 0;
    std::uint64_t models = 0, datasets = 0, spaces = 0;
    std::int64_t downloads = 0, likes = 0;  ///< over `items`
    std::vector<OrgItem> items;             ///< most downloaded first
    bool truncated = false;                 ///< total > items.size()
    std::vector<query::FacetValue> tasks, languages, licenses;
    std::uint64_t derived_total = 0;  ///< cards of others built on its models
    std::vector<query::Hit> derived_top;
    std::uint64_t trained_total = 0;  ///< cards of others that used its datasets
    std::vector<query::Hit> trained_top;
    /// Cards by month of createdAt ("2024-03"), oldest first; `undated` without one.
    std::vector<std::pair<std::string, std::uint64_t>> per_month;
    std::uint64_t undated = 0;
};

/// Whether `name` can be a namespace: letters, digits, '-', '_', '.'; 1 to 96 bytes.
bool valid_org_name(std::string_view name);

/// The report of `name` (case-insensitive), for a caller who may see the private cards of
/// `private_namespaces` (all of them: `all_private`). NotFound when it has no card the caller
/// may see. Cost: the organisation's cards (up to kMaxOrgItems) in pages of 1,000, and two
/// filtered listings for what others built.
Result<OrgReport> org_report(query::Searcher& searcher,
                             std::string_view name,
                             const std::vector<std::string>& private_namespaces,
                             bool all_private);

/// The report's items as CSV (RFC 4180), one row per card with its counts and URL.
std::string org_csv(const OrgReport& report, std::string_view base);

}  // namespace cardex::server
