// Duplicate names and dangling references, on a test-only schema shaped like
// the later sections: [[schedule]] declares names, [[route]] refers to them.
#include "name_index.hpp"

#include <gtest/gtest.h>

#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

std::vector<std::string> check(const std::string& text) {
    toml::table doc = toml::parse(std::string_view(text), std::string_view("t.toml"));
    Environment env{[](const std::string&) { return std::optional<std::string>{}; }};
    LoadContext ctx;
    ctx.file = "t.toml";
    ctx.env = &env;
    TableReader root(ctx, doc, "");
    NameIndex schedules("schedule");
    auto read_list = [&](std::string_view key, auto&& each) {
        if (const toml::array* list = root.array_of_tables(key)) {
            for (std::size_t i = 0; i < list->size(); ++i) {
                TableReader r(ctx, *list->get(i)->as_table(), std::string(key) + "[" + std::to_string(i) + "]");
                each(r);
                r.finish();
            }
        }
    };
    read_list("schedule", [&](TableReader& r) {
        std::string name;
        r.require("name");
        if (r.string("name", name)) schedules.declare(r, "name", name);
    });
    read_list("route", [&](TableReader& r) {
        std::string target;
        if (r.string("schedule", target)) schedules.check_reference(r, "schedule", target);
    });
    root.finish();
    std::vector<std::string> out;
    for (const auto& d : ctx.diagnostics) out.push_back(d.to_string());
    return out;
}

TEST(NameIndex, AcceptsUniqueNamesAndValidReferences) {
    EXPECT_TRUE(check("[[schedule]]\nname = \"primary\"\n[[schedule]]\nname = \"secondary\"\n"
                      "[[route]]\nschedule = \"secondary\"\n")
                    .empty());
}

TEST(NameIndex, ReportsADuplicateWhereItOccursAndPointsAtTheFirst) {
    auto d = check("[[schedule]]\nname = \"primary\"\n\n[[schedule]]\nname = \"primary\"\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0], "t.toml:5:8: schedule[1].name: duplicate schedule name \"primary\" (first defined on line 2)");
}

TEST(NameIndex, ReportsADanglingReferenceWithASuggestion) {
    auto d = check("[[schedule]]\nname = \"primary\"\n[[route]]\nschedule = \"primray\"\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0], "t.toml:4:12: route[0].schedule: unknown schedule \"primray\"; did you mean \"primary\"?");
}

TEST(NameIndex, ReportsADanglingReferenceWhenNothingIsDefined) {
    auto d = check("[[route]]\nschedule = \"primary\"\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0], "t.toml:2:12: route[0].schedule: unknown schedule \"primary\" (no schedule is defined)");
}

TEST(NameIndex, ReportsAMissingNameAtTheTable) {
    auto d = check("[[schedule]]\nlayers = 1\n");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], "t.toml:1:1: schedule[0]: missing required key \"name\"");
    EXPECT_EQ(d[1], "t.toml:2:1: schedule[0].layers: unknown key");
}

}  // namespace
}  // namespace tocsin::config
