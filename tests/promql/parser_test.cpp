// PromQL lexer, parser, type checker and printer against Prometheus 2.42.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parser_cases.hpp"
#include "tocsin/promql/parser.hpp"

namespace tocsin::promql {
namespace {

using namespace std::chrono_literals;

ExprPtr parse_ok(std::string_view input) {
    auto r = parse_expr(input);
    if (auto* e = std::get_if<ParseError>(&r)) {
        ADD_FAILURE() << "parse of `" << input << "` failed: " << e->to_string();
        return nullptr;
    }
    return std::move(std::get<ExprPtr>(r));
}

ParseError parse_error(std::string_view input) {
    auto r = parse_expr(input);
    if (auto* e = std::get_if<ParseError>(&r)) return *e;
    ADD_FAILURE() << "`" << input << "` parsed as " << to_string(*std::get<ExprPtr>(r));
    return {};
}

// The tree with every operator application in parentheses: shows binding.
std::string shape(const Expr& e) {
    if (const auto* b = e.as<Binary>()) {
        return "(" + shape(*b->lhs) + " " + std::string(to_string(b->op)) + " " + shape(*b->rhs) + ")";
    }
    if (const auto* u = e.as<Unary>())
        return std::string(u->op == UnaryOp::minus ? "-" : "+") + "{" + shape(*u->expr) + "}";
    if (const auto* p = e.as<Paren>()) return "(" + shape(*p->expr) + ")";
    if (const auto* s = e.as<Subquery>()) return "sq[" + shape(*s->expr) + "]";
    return to_string(e);
}

std::string shape_of(std::string_view input) {
    auto e = parse_ok(input);
    return e ? shape(*e) : "<error>";
}

void check_cases(const test::ParseCase* begin, const test::ParseCase* end) {
    for (const auto* c = begin; c != end; ++c) {
        SCOPED_TRACE(std::string("input: ") + c->input);
        auto r = parse_expr(c->input);
        if (!c->ok) {
            const auto* e = std::get_if<ParseError>(&r);
            ASSERT_NE(e, nullptr) << "parsed as " << to_string(*std::get<ExprPtr>(r));
            EXPECT_EQ(e->to_string(), c->expected);
            continue;
        }
        const auto* e = std::get_if<ExprPtr>(&r);
        ASSERT_NE(e, nullptr) << std::get<ParseError>(r).to_string();
        const Expr& expr = **e;
        EXPECT_EQ(to_string(expr), c->expected);
        EXPECT_EQ(expr.type, c->type);
        EXPECT_EQ(expr.range, (PositionRange{c->start, c->end}));
        // Round trip: the canonical text parses to a tree that prints the same.
        auto again = parse_expr(to_string(expr));
        const auto* reparsed = std::get_if<ExprPtr>(&again);
        ASSERT_NE(reparsed, nullptr) << std::get<ParseError>(again).to_string();
        EXPECT_EQ(to_string(**reparsed), c->expected);
        EXPECT_EQ((*reparsed)->type, c->type);
    }
}

TEST(PrometheusCases, ParseTestPrinterTestAndLexTestInputs) {
    check_cases(std::begin(test::k_prometheus_cases), std::end(test::k_prometheus_cases));
}

TEST(PrometheusCases, EdgeCases) { check_cases(std::begin(test::k_edge_cases), std::end(test::k_edge_cases)); }

TEST(PrometheusCases, EveryFunctionsArityAndTypes) {
    check_cases(std::begin(test::k_function_cases), std::end(test::k_function_cases));
}

// --- literals ---

TEST(Literals, Numbers) {
    const std::pair<const char*, double> cases[] = {
        {"1", 1},
        {"0xc", 12},
        {"0X1F", 31},
        {"0755", 493},
        {"-0755", -493},
        {"08", 8},
        {"5.", 5},
        {".5", 0.5},
        {"5e-3", 0.005},
        {"+5.5e-3", 0.0055},
        {"1e3", 1000},
        {"99999999999999999999", 1e20},
        {"-Inf", -INFINITY},
        {"inf", INFINITY},
        {"+INF", INFINITY},
    };
    for (const auto& [text, value] : cases) {
        auto e = parse_ok(text);
        ASSERT_TRUE(e);
        const auto* n = e->as<NumberLiteral>();
        ASSERT_NE(n, nullptr) << text;
        EXPECT_EQ(n->value, value) << text;
        EXPECT_EQ(e->type, ValueType::scalar);
    }
    auto nan = parse_ok("NaN");
    ASSERT_TRUE(nan);
    EXPECT_TRUE(std::isnan(nan->as<NumberLiteral>()->value));
    EXPECT_EQ(parse_error("1e400").message,
              "error parsing number: strconv.ParseFloat: parsing \"1e400\": value out of range");
    EXPECT_EQ(parse_error("0x").message, "error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax");
    // Underflow is not an error in Go.
    auto tiny = parse_ok("1e-400");
    ASSERT_TRUE(tiny);
    EXPECT_EQ(tiny->as<NumberLiteral>()->value, 0.0);
}

TEST(Literals, SignFoldsIntoNumberButNotIntoParens) {
    auto e = parse_ok("- 1");
    ASSERT_TRUE(e);
    ASSERT_TRUE(e->is<NumberLiteral>());
    EXPECT_EQ(e->as<NumberLiteral>()->value, -1);
    EXPECT_EQ(e->range, (PositionRange{0, 3}));
    auto p = parse_ok("-(1)");
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->is<Unary>());
    EXPECT_TRUE(p->as<Unary>()->expr->is<Paren>());
    EXPECT_EQ(p->type, ValueType::scalar);
}

TEST(Literals, Strings) {
    const std::pair<const char*, std::string> cases[] = {
        {R"("a\"b")", "a\"b"},
        {R"('a\'b')", "a'b"},
        {R"("\a\b\f\n\r\t\v\\")", "\a\b\f\n\r\t\v\\"},
        {R"("\xFF\377")", "\xFF\xFF"},
        {R"("\u00e9\U0001F600")", "\u00e9\U0001F600"},
        {"`raw \\n \"`", "raw \\n \""},
        {"`multi\nline`", "multi\nline"},
        {"\"\xe2\x82\xac\"", "\xe2\x82\xac"},
    };
    for (const auto& [text, value] : cases) {
        auto e = parse_ok(text);
        ASSERT_TRUE(e);
        ASSERT_TRUE(e->is<StringLiteral>()) << text;
        EXPECT_EQ(e->as<StringLiteral>()->value, value) << text;
        EXPECT_EQ(e->type, ValueType::string);
    }
    EXPECT_EQ(parse_error(R"("\c")").message, "unknown escape sequence U+0063 'c'");
    EXPECT_EQ(parse_error("\"abc").message, "unterminated quoted string");
    EXPECT_EQ(parse_error("`abc").message, "unterminated raw string");
    EXPECT_EQ(parse_error("\"\xff\"").message, "invalid UTF-8 rune");
}

// --- selectors ---

TEST(Selectors, NameBecomesTheLastMatcher) {
    auto e = parse_ok(R"(http_requests{job="api", code=~"5..", path!="/", le!~"0.5|1",})");
    ASSERT_TRUE(e);
    const auto* vs = e->as<VectorSelector>();
    ASSERT_NE(vs, nullptr);
    EXPECT_EQ(vs->name, "http_requests");
    ASSERT_EQ(vs->matchers.size(), 5u);
    EXPECT_EQ(vs->matchers[0].type(), series::Matcher::equal);
    EXPECT_EQ(vs->matchers[1].type(), series::Matcher::regex);
    EXPECT_EQ(vs->matchers[2].type(), series::Matcher::not_equal);
    EXPECT_EQ(vs->matchers[3].type(), series::Matcher::not_regex);
    EXPECT_EQ(vs->matchers[4].name(), "__name__");
    EXPECT_EQ(vs->matchers[4].value(), "http_requests");
    EXPECT_TRUE(vs->matchers[1].matches("503"));
    EXPECT_FALSE(vs->matchers[1].matches("5031"));  // anchored
    EXPECT_EQ(e->type, ValueType::vector);
    EXPECT_EQ(to_string(*e), R"(http_requests{code=~"5..",job="api",le!~"0.5|1",path!="/"})");
}

TEST(Selectors, KeywordsAreMetricNamesWhereTheGrammarAllows) {
    for (const char* name : {"sum", "by", "without", "offset", "start", "end", "and", "or", "unless", "topk"}) {
        auto e = parse_ok(name);
        ASSERT_TRUE(e) << name;
        ASSERT_TRUE(e->is<VectorSelector>()) << name;
        EXPECT_EQ(e->as<VectorSelector>()->name, name);
    }
    EXPECT_EQ(shape_of("sum * by"), "(sum * by)");
    EXPECT_EQ(shape_of("foo and and"), "(foo and and)");
    EXPECT_EQ(parse_error("bool").message, "unexpected <bool>");
    EXPECT_EQ(parse_error("on").message, "unexpected <on>");
    // Inside braces keywords are plain label names.
    auto e = parse_ok(R"({by="a", offset="b", sum="c"})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->as<VectorSelector>()->matchers.size(), 3u);
}

TEST(Selectors, OffsetAndAt) {
    auto e = parse_ok("foo offset 1h30m @ 1603774568.5");
    ASSERT_TRUE(e);
    const auto* vs = e->as<VectorSelector>();
    ASSERT_NE(vs, nullptr);
    EXPECT_EQ(vs->offset, 90min);
    EXPECT_EQ(vs->at.kind, AtModifier::Kind::timestamp);
    EXPECT_EQ(vs->at.timestamp_ms, 1603774568500);
    EXPECT_EQ(e->range, (PositionRange{0, 31}));
    EXPECT_EQ(to_string(*e), "foo @ 1603774568.500 offset 1h30m");

    auto neg = parse_ok("foo @ end() offset -7m");
    ASSERT_TRUE(neg);
    EXPECT_EQ(neg->as<VectorSelector>()->offset, -7min);
    EXPECT_EQ(neg->as<VectorSelector>()->at.kind, AtModifier::Kind::end);

    auto rounded = parse_ok("foo @ 3.3335");
    ASSERT_TRUE(rounded);
    EXPECT_EQ(rounded->as<VectorSelector>()->at.timestamp_ms, 3334);

    EXPECT_EQ(parse_error("foo offset 1s offset 2s").message, "offset may not be set multiple times");
    EXPECT_EQ(parse_error("foo @ 1 @ 2").message, "@ <timestamp> may not be set multiple times");
    EXPECT_EQ(parse_error("foo offset 0s").message, "duration must be greater than 0");
    EXPECT_EQ(parse_error("(foo) offset 1m").to_string(),
              "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector "
              "selector or a subquery");
    EXPECT_EQ(parse_error("foo @ Inf").message, "timestamp out of bounds for @ modifier: +Inf");
}

TEST(Selectors, MatrixSelector) {
    auto e = parse_ok(R"(foo{a="b"}[5m] @ start() offset 1m)");
    ASSERT_TRUE(e);
    const auto* ms = e->as<MatrixSelector>();
    ASSERT_NE(ms, nullptr);
    EXPECT_EQ(ms->range, 5min);
    EXPECT_EQ(ms->selector.name, "foo");
    EXPECT_EQ(ms->selector.offset, 1min);
    EXPECT_EQ(ms->selector.at.kind, AtModifier::Kind::start);
    EXPECT_EQ(e->type, ValueType::matrix);
    EXPECT_EQ(parse_error("foo offset 1m [5m]").to_string(),
              "1:15: parse error: no offset modifiers allowed before range");
    EXPECT_EQ(parse_error("(foo)[5m]").to_string(), "1:6: parse error: ranges only allowed for vector selectors");
}

TEST(Selectors, EmptyMatchersAndDuplicateNames) {
    EXPECT_EQ(parse_error("{}").message, "vector selector must contain at least one non-empty matcher");
    EXPECT_EQ(parse_error(R"({a=~".*", b!="x"})").message,
              "vector selector must contain at least one non-empty matcher");
    EXPECT_TRUE(parse_ok(R"({a=~".+"})"));
    EXPECT_EQ(parse_error(R"(foo{__name__="bar"})").message, R"(metric name must not be set twice: "foo" or "bar")");
    auto e = parse_ok(R"({__name__="foo"})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->as<VectorSelector>()->name, "");
    EXPECT_EQ(to_string(*e), R"({__name__="foo"})");
}

TEST(Selectors, RegexErrorsNameTheRegexAsGoDoes) {
    EXPECT_EQ(parse_error(R"(foo{a=~"(x"})").to_string(),
              "1:5: parse error: error parsing regexp: missing closing ): `^(?:(x)$`");
    EXPECT_EQ(parse_error(R"(foo{a=~"a)|(b"})").message, "error parsing regexp: unexpected ): `a)|(b`");
}

// --- subqueries ---

TEST(Subqueries, RangeStepOffsetAt) {
    auto e = parse_ok("rate(foo[1m])[1h:5m] @ 100 offset 10m");
    ASSERT_TRUE(e);
    const auto* sq = e->as<Subquery>();
    ASSERT_NE(sq, nullptr);
    EXPECT_EQ(sq->range, 1h);
    EXPECT_EQ(sq->step, 5min);
    EXPECT_EQ(sq->offset, 10min);
    EXPECT_EQ(sq->at.timestamp_ms, 100000);
    EXPECT_TRUE(sq->expr->is<Call>());
    EXPECT_EQ(e->type, ValueType::matrix);

    auto no_step = parse_ok("foo[5m:]");
    ASSERT_TRUE(no_step);
    EXPECT_EQ(no_step->as<Subquery>()->step, 0ms);
    EXPECT_EQ(parse_error("foo[5m][10m:]").message, "subquery is only allowed on instant vector, got matrix instead");
    EXPECT_EQ(parse_error("foo[5m:1]").message,
              R"(unexpected number "1" in subquery selector, expected duration or "]")");
}

// --- operators ---

TEST(Operators, PrecedenceAndAssociativity) {
    EXPECT_EQ(shape_of("1 + 2 * 3"), "(1 + (2 * 3))");
    EXPECT_EQ(shape_of("1 * 2 + 3"), "((1 * 2) + 3)");
    EXPECT_EQ(shape_of("1 - 2 - 3"), "((1 - 2) - 3)");
    EXPECT_EQ(shape_of("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
    EXPECT_EQ(shape_of("a or b and c unless d"), "(a or ((b and c) unless d))");
    EXPECT_EQ(shape_of("a == b or c + d"), "((a == b) or (c + d))");
    EXPECT_EQ(shape_of("a atan2 b * c"), "((a atan2 b) * c)");
    EXPECT_EQ(shape_of("a < bool b + c % d"), "(a < (b + (c % d)))");
    EXPECT_EQ(shape_of("a > b > c"), "((a > b) > c)");
    // Unary binds like *: looser than ^, tighter than + and the rest.
    EXPECT_EQ(shape_of("-a ^ b"), "-{(a ^ b)}");
    EXPECT_EQ(shape_of("-a * b"), "(-{a} * b)");
    EXPECT_EQ(shape_of("-1 ^ 2"), "-{(1 ^ 2)}");
    EXPECT_EQ(shape_of("2 ^ -a * 3"), "((2 ^ -{a}) * 3)");
    EXPECT_EQ(shape_of("+1 + -2 * 1"), "(1 + (-2 * 1))");
    // Postfix modifiers bind to the closest operand.
    EXPECT_EQ(shape_of("a + b offset 5m"), "(a + b offset 5m)");
    EXPECT_EQ(parse_error("-a[5m:]").message,
              R"(unary expression only allowed on expressions of type scalar or instant vector, got "range vector")");
}

TEST(Operators, MatchingAndCardinality) {
    auto e = parse_ok("a * on(x, y) group_left(z) b");
    ASSERT_TRUE(e);
    const auto* b = e->as<Binary>();
    ASSERT_NE(b, nullptr);
    ASSERT_TRUE(b->matching);
    EXPECT_EQ(b->matching->card, Cardinality::many_to_one);
    EXPECT_TRUE(b->matching->on);
    EXPECT_EQ(b->matching->matching_labels, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(b->matching->include, (std::vector<std::string>{"z"}));

    auto r = parse_ok("a / ignoring(x) group_right b");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->as<Binary>()->matching->card, Cardinality::one_to_many);
    EXPECT_FALSE(r->as<Binary>()->matching->on);

    auto set = parse_ok("a and b");
    ASSERT_TRUE(set);
    EXPECT_EQ(set->as<Binary>()->matching->card, Cardinality::many_to_many);

    auto scalar = parse_ok("a > bool 1");
    ASSERT_TRUE(scalar);
    EXPECT_TRUE(scalar->as<Binary>()->return_bool);
    EXPECT_FALSE(scalar->as<Binary>()->matching);  // only between two vectors
    EXPECT_EQ(scalar->type, ValueType::vector);

    auto both = parse_ok("1 + 2 > bool 3");
    ASSERT_TRUE(both);
    EXPECT_EQ(both->type, ValueType::scalar);
}

TEST(Operators, TypeErrors) {
    EXPECT_EQ(parse_error("1 == 1").to_string(),
              "1:3: parse error: comparisons between scalars must use BOOL modifier");
    EXPECT_EQ(parse_error("foo + bool bar").message, "bool modifier can only be used on comparison operators");
    EXPECT_EQ(parse_error("1 and foo").message, R"(set operator "and" not allowed in binary scalar expression)");
    EXPECT_EQ(parse_error("foo == on(bar) 10").message, "vector matching only allowed between instant vectors");
    EXPECT_EQ(parse_error("foo or on(bar) group_left(baz) bar").message, R"(no grouping allowed for "or" operation)");
    EXPECT_EQ(parse_error("a + on(x) group_left(x) b").message,
              R"(label "x" must not occur in ON and GROUP clause at once)");
    EXPECT_EQ(parse_error("a[5m] + 1").message, "binary expression must contain only scalar and instant vector types");
    EXPECT_EQ(parse_error(R"(-"s")").message,
              R"(unary expression only allowed on expressions of type scalar or instant vector, got "string")");
    EXPECT_EQ(parse_error("a - on(b) ignoring(c) d").to_string(), "1:11: parse error: unexpected <ignoring>");
}

// --- aggregations and calls ---

TEST(Aggregations, ModifierBeforeOrAfter) {
    for (const char* text : {"sum by (a, b) (x)", "sum(x) by (a, b)", "SUM BY (a,b,) (x)"}) {
        auto e = parse_ok(text);
        ASSERT_TRUE(e) << text;
        const auto* a = e->as<Aggregate>();
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->op, AggregateOp::sum);
        EXPECT_FALSE(a->without);
        EXPECT_EQ(a->grouping, (std::vector<std::string>{"a", "b"}));
        EXPECT_EQ(a->param, nullptr);
        EXPECT_EQ(to_string(*e), "sum by (a, b) (x)");
    }
    auto t = parse_ok("topk without (instance) (3, rate(x[5m]))");
    ASSERT_TRUE(t);
    const auto* a = t->as<Aggregate>();
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->op, AggregateOp::topk);
    EXPECT_TRUE(a->without);
    ASSERT_NE(a->param, nullptr);
    EXPECT_EQ(a->param->as<NumberLiteral>()->value, 3);
    EXPECT_TRUE(a->expr->is<Call>());
    EXPECT_EQ(t->type, ValueType::vector);
    EXPECT_EQ(parse_error("sum(foo bar)").message, R"(unexpected identifier "bar" in aggregation)");
    EXPECT_EQ(parse_error("count_values(5, x)").message, "expected type string in aggregation parameter, got scalar");
}

TEST(Calls, FunctionDescriptorAndArguments) {
    auto e = parse_ok(R"(label_join(up, "dst", ",", "a", "b", "c"))");
    ASSERT_TRUE(e);
    const auto* c = e->as<Call>();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->function, find_function("label_join"));
    EXPECT_EQ(c->function->id, FunctionId::label_join);
    EXPECT_EQ(c->args.size(), 6u);
    EXPECT_EQ(e->type, ValueType::vector);
    auto s = parse_ok("scalar(up)");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->type, ValueType::scalar);
    EXPECT_EQ(parse_error("rate(some_metric)").message,
              R"(expected type range vector in call to function "rate", got instant vector)");
    EXPECT_EQ(parse_error("non_existent_function_far_bar()").message,
              R"(unknown function with name "non_existent_function_far_bar")");
}

TEST(Functions, Table) {
    const auto all = all_functions();
    EXPECT_EQ(all.size(), 70u);
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(find_function(all[i].name), &all[i]);
        if (i > 0) {
            EXPECT_LT(all[i - 1].name, all[i].name);
        }
    }
    EXPECT_EQ(find_function("Rate"), nullptr);
    EXPECT_TRUE(find_function("histogram_count")->native_histograms_only);
    EXPECT_FALSE(find_function("histogram_quantile")->native_histograms_only);
    const Function* round = find_function("round");
    EXPECT_EQ(round->variadic, 1);
    EXPECT_EQ(round->arg_types().size(), 2u);
    EXPECT_EQ(find_function("label_join")->variadic, -1);
    EXPECT_EQ(find_function("time")->return_type, ValueType::scalar);
}

// --- errors ---

TEST(Errors, LineAndColumn) {
    const ParseError e = parse_error("sum(\n  rate(foo[5m])\n  bar\n)");
    EXPECT_EQ(e.position, 23u);
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.column, 3u);
    EXPECT_EQ(e.to_string(), "3:3: parse error: unexpected identifier \"bar\" in aggregation");
    EXPECT_EQ(parse_error("").to_string(), "1:1: parse error: no expression found in input");
    EXPECT_EQ(parse_error("# only a comment\n").to_string(), "1:1: parse error: no expression found in input");
    EXPECT_EQ(parse_error("(1))").to_string(), "1:5: parse error: unexpected right parenthesis ')'");
}

TEST(Errors, DeepNestingIsRefusedNotACrash) {
    std::string deep(k_max_nesting + 10, '(');
    deep += "1";
    deep += std::string(k_max_nesting + 10, ')');
    EXPECT_NE(parse_error(deep).message.find("nested too deeply"), std::string::npos);

    std::string chain = "a";
    for (std::size_t i = 0; i < k_max_height + 5; ++i) chain += " + a";
    EXPECT_NE(parse_error(chain).message.find("nested too deeply"), std::string::npos);

    // Long but legal chains parse, print and free without recursion trouble.
    std::string ok = "a";
    for (std::size_t i = 0; i + 1 < k_max_height; ++i) ok += " or a";
    auto e = parse_ok(ok);
    ASSERT_TRUE(e);
    EXPECT_EQ(to_string(*e), ok);
}

TEST(Errors, PrometheusPathologicalInputScaledDown) {
    // parse_test.go uses 10'000 and 1'000 repetitions; tocsin caps the tree height.
    std::string input = "(";
    for (int i = 0; i < 200; ++i) input += "-{}-1";
    input += ")";
    for (int i = 0; i < 100; ++i) input += "[1m:]";
    EXPECT_EQ(parse_error(input).to_string(),
              "1:3: parse error: vector selector must contain at least one non-empty matcher");
}

// --- helpers for the engine ---

TEST(Helpers, SelectorsInSourceOrder) {
    auto e = parse_ok(R"(sum(rate(a{x="1"}[5m])) / on(x) b offset 1m + count_values("v", c))");
    ASSERT_TRUE(e);
    const auto found = selectors(*e);
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0]->name, "a");
    EXPECT_EQ(found[0]->matchers.size(), 2u);
    EXPECT_EQ(found[1]->name, "b");
    EXPECT_EQ(found[1]->offset, 1min);
    EXPECT_EQ(found[2]->name, "c");
}

TEST(Helpers, MaxLookback) {
    const auto lookback = [](std::string_view text) {
        auto e = parse_ok(text);
        return e ? max_lookback(*e) : Milliseconds{-1};
    };
    EXPECT_EQ(lookback("1"), 0ms);
    EXPECT_EQ(lookback("up"), 5min);
    EXPECT_EQ(lookback("up offset 1h"), 65min);
    EXPECT_EQ(lookback("up offset -10m"), 0ms);
    EXPECT_EQ(lookback("rate(x[5m]) + rate(y[1h] offset 1d)"), 25h);
    EXPECT_EQ(lookback("max_over_time(rate(x[5m])[1h:1m] offset 10m)"), 75min);
    EXPECT_EQ(lookback("x @ 100"), 0ms);
    EXPECT_EQ(lookback("x[5m] @ start()"), 5min);
    auto e = parse_ok("up");
    ASSERT_TRUE(e);
    EXPECT_EQ(max_lookback(*e, 1min), 1min);
}

TEST(Helpers, WalkVisitsParentsFirst) {
    auto e = parse_ok("topk(1, a + b)");
    ASSERT_TRUE(e);
    std::vector<std::string> seen;
    walk(*e, [&](const Expr& n) { seen.push_back(to_string(n)); });
    EXPECT_EQ(seen, (std::vector<std::string>{"topk(1, a + b)", "1", "a + b", "a", "b"}));
    EXPECT_EQ(children(*e).size(), 2u);
}

TEST(Durations, PrometheusModel) {
    const auto ms = [](std::string_view text) {
        auto r = parse_duration(text);
        return std::holds_alternative<Milliseconds>(r) ? std::get<Milliseconds>(r) : Milliseconds{-1};
    };
    EXPECT_EQ(ms("1h30m"), 90min);
    EXPECT_EQ(ms("1m30ms"), 60030ms);
    EXPECT_EQ(ms("5ms"), 5ms);
    EXPECT_EQ(ms("1y"), 365 * 24h);
    EXPECT_EQ(ms("2w3d"), 17 * 24h);
    EXPECT_EQ(ms("0"), 0ms);
    EXPECT_EQ(std::get<std::string>(parse_duration("5m1h")), R"(not a valid duration string: "5m1h")");
    EXPECT_EQ(std::get<std::string>(parse_duration("1.5h")), R"(not a valid duration string: "1.5h")");
    EXPECT_EQ(std::get<std::string>(parse_duration("293y")), "duration out of range");
    EXPECT_EQ(std::get<std::string>(parse_duration("")), "empty duration string");
    EXPECT_EQ(format_duration(90min), "1h30m");
    EXPECT_EQ(format_duration(90 * 24h), "90d");
    EXPECT_EQ(format_duration(14 * 24h), "2w");
    EXPECT_EQ(format_duration(365 * 24h), "1y");
    EXPECT_EQ(format_duration(1500ms), "1s500ms");
    EXPECT_EQ(format_duration(0ms), "0s");
}

// --- the conformance suite's expressions ---

TEST(Conformance, EveryEvalExpressionParses) {
    const auto dir = std::filesystem::path(TOCSIN_SOURCE_DIR) / ".." / "shared" / "conformance" / "promql";
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".test") continue;
        std::ifstream in(entry.path());
        std::string line;
        std::size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            // eval[_fail|_ordered] instant at <duration> <expr>
            if (!line.starts_with("eval")) continue;
            const std::size_t at = line.find(" at ");
            ASSERT_NE(at, std::string::npos) << entry.path() << ":" << line_no;
            const std::size_t expr_start = line.find(' ', at + 4);
            ASSERT_NE(expr_start, std::string::npos);
            const std::string expr = line.substr(expr_start + 1);
            // Every eval_fail case in these files fails during evaluation
            // (bad label_replace arguments, duplicate series after dropping
            // __name__), never in the parser.
            auto r = parse_expr(expr);
            EXPECT_TRUE(std::holds_alternative<ExprPtr>(r)) << entry.path().filename() << ":" << line_no << ": " << expr
                                                            << ": " << std::get<ParseError>(r).to_string();
            ++count;
        }
    }
    EXPECT_GT(count, 400u);
}

}  // namespace
}  // namespace tocsin::promql
