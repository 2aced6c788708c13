#pragma once
// The server's listen address (ServeOptions::listen) read, and the URL of the endpoint it
// bound (private to cardex_server).
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace cardex::server {

struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};

/// "HOST:PORT" or "[IPv6]:PORT" (port 0-65535); an empty host or "*" is 0.0.0.0, "localhost"
/// 127.0.0.1. nullopt when malformed. Cost: one scan.
std::optional<ListenAddress> parse_listen(std::string_view text);

/// "http://HOST:PORT" of `ep` (IPv6 hosts in brackets).
std::string url_of(const boost::asio::ip::tcp::endpoint& ep);

}  // namespace cardex::server
