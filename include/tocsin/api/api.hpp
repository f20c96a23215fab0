// Routes HTTP requests to tocsin's endpoints. Business logic lives elsewhere;
// the api module asks hooks for answers and renders them.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tocsin/net/http_server.hpp"

namespace prometheus {
class Registry;
template <typename T> class Family;
class Counter;
}  // namespace prometheus

namespace tocsin::api {

struct Check {
    bool ok = false;
    std::string detail;  // one line an operator can act on; never a secret
};

struct ApiHooks {
    std::function<Check()> health;  // the loop is alive and the store writable
    std::function<Check()> ready;   // started, migrated, not shutting down
};

class Api {
public:
    Api(std::shared_ptr<prometheus::Registry> registry, ApiHooks hooks);

    net::HttpResponse handle(const net::HttpRequest& request);

private:
    net::HttpResponse route(const net::HttpRequest& request, std::string& handler_label);
    net::HttpResponse metrics() const;

    std::shared_ptr<prometheus::Registry> m_registry;
    ApiHooks m_hooks;
    prometheus::Family<prometheus::Counter>* m_requests = nullptr;
};

}  // namespace tocsin::api
