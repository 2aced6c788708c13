#include "client_limits.h"

#include <algorithm>
#include <cmath>

namespace cardex::server {

std::string ClientLimits::client_key(const boost::asio::ip::address& address) {
    if (address.is_v6()) {
        const auto v6 = address.to_v6();
        if (v6.is_v4_mapped()) {
            return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
        }
        auto bytes = v6.to_bytes();
        std::fill(bytes.begin() + 8, bytes.end(), 0);
        return boost::asio::ip::address_v6(bytes).to_string() + "/64";
    }
    return address.to_string();
}

ClientLimits::Client& ClientLimits::at(const std::string& key) {
    if (clients_.size() > 4096 && clients_.find(key) == clients_.end()) {
        const auto now = std::chrono::steady_clock::now();
        for (auto it = clients_.begin(); it != clients_.end();) {
            Client& c = it->second;
            refill(c, now);
            if (c.connections == 0 && (rate_ <= 0 || c.tokens >= burst_)) {
                it = clients_.erase(it);
            } else {
                ++it;
            }
        }
    }
    return clients_[key];
}

void ClientLimits::refill(Client& c, std::chrono::steady_clock::time_point now) const {
    if (rate_ <= 0) return;
    if (c.fresh) {
        c.fresh = false;
        c.tokens = burst_;
        c.refilled = now;
        return;
    }
    const double secs = std::chrono::duration<double>(now - c.refilled).count();
    if (secs > 0) {
        c.tokens = std::min(burst_, c.tokens + secs * rate_);
        c.refilled = now;
    }
}

bool ClientLimits::open(const std::string& key) {
    if (max_connections_ == 0) return true;
    std::lock_guard lock(mu_);
    Client& c = at(key);
    if (c.connections >= max_connections_) return false;
    ++c.connections;
    return true;
}

void ClientLimits::close(const std::string& key) {
    if (max_connections_ == 0) return;
    std::lock_guard lock(mu_);
    auto it = clients_.find(key);
    if (it != clients_.end() && it->second.connections > 0) --it->second.connections;
}

bool ClientLimits::allow_request(const std::string& key,
                                 std::chrono::steady_clock::time_point now) {
    if (rate_ <= 0) return true;
    std::lock_guard lock(mu_);
    Client& c = at(key);
    refill(c, now);
    if (c.tokens < 1.0) return false;
    c.tokens -= 1.0;
    return true;
}

unsigned ClientLimits::retry_after(const std::string& key,
                                   std::chrono::steady_clock::time_point now) {
    if (rate_ <= 0) return 1;
    std::lock_guard lock(mu_);
    Client& c = at(key);
    refill(c, now);
    const double wait = (1.0 - c.tokens) / rate_;
    return static_cast<unsigned>(std::max(1.0, std::ceil(wait)));
}

}  // namespace cardex::server
