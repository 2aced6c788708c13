#pragma once
// Per-client limits (private to cardex_server): how many connections one client may hold,
// and how many requests per second it may send (a token bucket). A client is an IPv4
// address, or an IPv6 /64 (one subscriber gets a whole /64, so finer keys would let one
// client be many). Thread-safe: a mutex around a hash map; entries of clients with no
// connection and a full bucket are dropped when the map grows, so it stays about the size
// of the active clients.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace cardex::server {

class ClientLimits {
  public:
    /// `max_connections` per client (0: no limit); `rate` requests per second with bursts of
    /// `burst` (rate 0: no limit).
    ClientLimits(std::size_t max_connections, double rate, double burst)
        : max_connections_(max_connections), rate_(rate), burst_(burst) {}

    /// The key of an address ("203.0.113.7", "2001:db8:1:2::/64").
    static std::string client_key(const boost::asio::ip::address& address);

    /// Counts a new connection of `key`; false (not counted) when the client holds
    /// max_connections already.
    bool open(const std::string& key);
    void close(const std::string& key);
    /// Takes one request from the client's bucket; false when it is empty (answer 429).
    bool allow_request(const std::string& key, std::chrono::steady_clock::time_point now);
    /// Seconds until the client's bucket holds a request again (for Retry-After), >= 1.
    unsigned retry_after(const std::string& key, std::chrono::steady_clock::time_point now);

  private:
    struct Client {
        std::size_t connections = 0;
        double tokens = 0;
        std::chrono::steady_clock::time_point refilled{};
        bool fresh = true;
    };
    Client& at(const std::string& key);
    void refill(Client& c, std::chrono::steady_clock::time_point now) const;

    std::size_t max_connections_;
    double rate_;
    double burst_;
    std::mutex mu_;
    std::unordered_map<std::string, Client> clients_;
};

}  // namespace cardex::server
