// [status_page]: defaults, values, mistakes reported with their place, and
// the round trip through `tocsin check --print`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tocsin/config/loader.hpp"

using namespace tocsin::config;
using testing::ElementsAre;

namespace {

const Environment k_env{[](const std::string&) { return std::optional<std::string>{}; }};

LoadResult load(const std::string& text) { return load_string("[daemon]\nstate_dir = \"/tmp/x\"\n" + text, "t.toml", k_env); }

std::vector<std::string> problems(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& d : load(text).diagnostics) out.push_back(d.to_string());
    return out;
}

}  // namespace

TEST(StatusPageConfig, DefaultsToOnWithAPlainTitle) {
    auto r = load("");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.config->status_page.enabled);
    EXPECT_EQ(r.config->status_page.title, "tocsin status");
}

TEST(StatusPageConfig, ReadsItsKeysAndRoundTrips) {
    auto r = load("[status_page]\nenabled = false\ntitle = \"Example & Co\"\n");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.config->status_page.enabled);
    EXPECT_EQ(r.config->status_page.title, "Example & Co");
    auto again = load_string(to_toml(*r.config), "printed.toml", k_env);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.config->status_page, r.config->status_page);
}

TEST(StatusPageConfig, MistakesNameTheKey) {
    EXPECT_THAT(problems("[status_page]\ntitle = \"\"\n"),
                ElementsAre(testing::HasSubstr("t.toml:4:9: status_page.title")));
    EXPECT_THAT(problems("[status_page]\ntitle = \"a\\nb\"\n"),
                ElementsAre(testing::HasSubstr("status_page.title: must not contain control characters")));
    EXPECT_THAT(problems("[status_page]\ntitle = \"" + std::string(201, 'x') + "\"\n"),
                ElementsAre(testing::HasSubstr("status_page.title: must be at most 200 bytes (it is 201)")));
    EXPECT_THAT(problems("[status_page]\nenabled = \"yes\"\n"),
                ElementsAre(testing::HasSubstr("status_page.enabled")));
    EXPECT_THAT(problems("[status_page]\ntitel = \"x\"\n"), ElementsAre(testing::HasSubstr("title")));
}
