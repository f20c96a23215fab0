// [[component]]: the things incidents affect, and what each depends on.
// References are checked once every component is known, so a component may
// depend on one declared further down; a dependency cycle is reported with
// its path.
#include <algorithm>
#include <map>

#include "name_index.hpp"
#include "sections.hpp"

namespace tocsin::config {
namespace {

struct Declared {
    const toml::table* table;
    std::string path;  // component[i]
};

// Depth-first search for back edges: each one closes a cycle, reported at
// the depends_on entry that closes it.
class CycleFinder {
public:
    CycleFinder(LoadContext& ctx, const std::vector<ComponentConfig>& components, const std::vector<Declared>& where)
        : m_ctx(ctx), m_components(components), m_where(where) {
        for (std::size_t i = 0; i < components.size(); ++i) m_index.emplace(components[i].name, i);
        m_state.assign(components.size(), State::unvisited);
    }

    void run() {
        for (std::size_t i = 0; i < m_components.size(); ++i) {
            if (m_state[i] == State::unvisited) visit(i);
        }
    }

private:
    enum class State { unvisited, on_path, done };

    // Iterative: a long chain of dependencies must not exhaust the stack.
    void visit(std::size_t root) {
        std::vector<std::size_t> next_entry;  // per node on m_path: the depends_on entry to follow next
        m_state[root] = State::on_path;
        m_path.push_back(root);
        next_entry.push_back(0);
        while (!m_path.empty()) {
            std::size_t i = m_path.back();
            const auto& depends_on = m_components[i].depends_on;
            std::size_t& j = next_entry.back();
            if (j == depends_on.size()) {
                m_state[i] = State::done;
                m_path.pop_back();
                next_entry.pop_back();
                continue;
            }
            const std::size_t entry = j++;
            auto it = m_index.find(depends_on[entry]);
            // Unknown names and self-references are reported on their own.
            if (it == m_index.end() || it->second == i) continue;
            std::size_t next = it->second;
            if (m_state[next] == State::on_path) {
                report(i, entry, next);
            } else if (m_state[next] == State::unvisited) {
                m_state[next] = State::on_path;
                m_path.push_back(next);
                next_entry.push_back(0);
            }
        }
    }

    void report(std::size_t from, std::size_t entry, std::size_t to) {
        std::string cycle;
        auto start = std::find(m_path.begin(), m_path.end(), to);
        for (auto it = start; it != m_path.end(); ++it) cycle += m_components[*it].name + " -> ";
        cycle += m_components[to].name;
        TableReader r(m_ctx, *m_where[from].table, m_where[from].path);
        r.error_in("depends_on", std::to_string(entry), "dependency cycle: " + cycle);
    }

    LoadContext& m_ctx;
    const std::vector<ComponentConfig>& m_components;
    const std::vector<Declared>& m_where;
    std::map<std::string, std::size_t> m_index;  // the first declaration of each name
    std::vector<State> m_state;
    std::vector<std::size_t> m_path;
};

}  // namespace

void read_components(TableReader& root, std::vector<ComponentConfig>& out) {
    const toml::array* list = root.array_of_tables("component");
    if (list == nullptr) return;
    NameIndex names("component");
    std::vector<Declared> where;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "component[" + std::to_string(i) + "]");
        ComponentConfig component;
        r.require("name");
        if (r.string("name", component.name) && check_printable(r, "name", component.name)) {
            names.declare(r, "name", component.name);
        }
        r.string("description", component.description, false);
        r.string_list("depends_on", component.depends_on);
        r.boolean("critical", component.critical);
        r.finish();
        where.push_back(Declared{&table, r.path()});
        out.push_back(std::move(component));
    }
    // References, now that every name is known.
    for (std::size_t i = 0; i < out.size(); ++i) {
        TableReader r(root.context(), *where[i].table, where[i].path);
        const auto& depends_on = out[i].depends_on;
        for (std::size_t j = 0; j < depends_on.size(); ++j) {
            const std::string& name = depends_on[j];
            const std::string sub = std::to_string(j);
            if (name == out[i].name) {
                r.error_in("depends_on", sub, "a component cannot depend on itself");
            } else if (std::find(depends_on.begin(), depends_on.begin() + static_cast<std::ptrdiff_t>(j), name) !=
                       depends_on.begin() + static_cast<std::ptrdiff_t>(j)) {
                r.error_in("depends_on", sub, "\"" + name + "\" is listed twice");
            } else {
                names.check_reference_in(r, "depends_on", sub, name);
            }
        }
    }
    CycleFinder(root.context(), out, where).run();
}

}  // namespace tocsin::config
