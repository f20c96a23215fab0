#include "tocsin/series/symbol_table.hpp"

#include <gtest/gtest.h>

#include <string>

using tocsin::series::SymbolTable;

TEST(SymbolTable, InternsOnceAndFindsWithoutAdding) {
    SymbolTable t;
    const auto a = t.intern("job");
    const auto b = t.intern(std::string("job"));  // a different buffer, same text
    EXPECT_EQ(a, b);
    EXPECT_EQ(t.refs(a), 2u);
    EXPECT_EQ(t.str(a), "job");
    EXPECT_EQ(t.find("job"), a);
    EXPECT_EQ(t.find("instance"), SymbolTable::k_none);
    EXPECT_EQ(t.size(), 1u);
    const auto empty = t.intern("");
    EXPECT_NE(empty, a);
    EXPECT_EQ(t.str(empty), "");
    EXPECT_EQ(t.find(""), empty);
}

TEST(SymbolTable, IdsStayStableWhileOthersComeAndGo) {
    SymbolTable t;
    std::vector<SymbolTable::Id> ids;
    for (int i = 0; i < 5000; ++i) ids.push_back(t.intern("value-" + std::to_string(i)));
    const auto keep = t.intern("keep");
    for (int i = 0; i < 5000; ++i) t.release(ids[static_cast<std::size_t>(i)]);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.str(keep), "keep");
    EXPECT_EQ(t.find("value-7"), SymbolTable::k_none);
    // Freed ids are reused; the kept one is untouched.
    const auto again = t.intern("new");
    EXPECT_LT(again, 5000u);
    EXPECT_EQ(t.str(keep), "keep");
    EXPECT_EQ(t.find("keep"), keep);
}

TEST(SymbolTable, CompactionReclaimsDeadBytesAndKeepsIds) {
    SymbolTable t;
    std::vector<SymbolTable::Id> dead;
    const std::string filler(200, 'x');
    for (int i = 0; i < 4000; ++i) dead.push_back(t.intern(filler + std::to_string(i)));
    const std::string big(100'000, 'b');  // larger than a block: its own allocation
    const auto big_id = t.intern(big);
    const auto live = t.intern("survivor");
    const std::size_t before = t.memory_bytes();
    for (auto id : dead) t.release(id);
    EXPECT_GT(t.dead_bytes(), 800'000u);
    EXPECT_TRUE(t.compact());
    EXPECT_EQ(t.dead_bytes(), 0u);
    EXPECT_LT(t.memory_bytes(), before / 3);
    EXPECT_EQ(t.str(live), "survivor");
    EXPECT_EQ(t.str(big_id), big);
    EXPECT_EQ(t.find("survivor"), live);
    EXPECT_FALSE(t.compact());  // nothing dead any more
}

TEST(SymbolTable, ManyLongAndShortStringsRoundTrip) {
    SymbolTable t;
    std::vector<std::string> texts;
    for (int i = 0; i < 3000; ++i) texts.push_back(std::string(static_cast<std::size_t>(i % 37), 'a' + i % 26) + std::to_string(i));
    texts.push_back(std::string(20'000, 'z'));
    std::vector<SymbolTable::Id> ids;
    for (const auto& s : texts) ids.push_back(t.intern(s));
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(t.str(ids[i]), texts[i]);
        EXPECT_EQ(t.find(texts[i]), ids[i]);
    }
    t.clear();
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.find(texts[0]), SymbolTable::k_none);
}
