// [status_page]: the public status page (docs/status-page.md).
#include "sections.hpp"

namespace tocsin::config {

void read_status_page(TableReader& root, StatusPageConfig& out) {
    const toml::table* table = root.table("status_page");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "status_page");
    r.boolean("enabled", out.enabled);
    if (r.string("title", out.title)) {
        // The heading of a public page: one line, short enough for a phone.
        if (check_printable(r, "title", out.title) && out.title.size() > 200) {
            r.error("title", "must be at most 200 bytes (it is " + std::to_string(out.title.size()) + ")");
        }
    }
    r.finish();
}

}  // namespace tocsin::config
