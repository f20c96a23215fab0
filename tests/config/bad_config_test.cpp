// Every bad config must be refused with every problem located exactly:
// FILE:LINE:COL: KEY.PATH: message, in file order, and no Config.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "config_test_support.hpp"
#include "tocsin/config/loader.hpp"

namespace tocsin::config {
namespace {

using testing::diagnostic_strings;
using testing::fake_env;
using testing::replace_all;

// A file (or directory) to create in the test's scratch directory first.
struct FileSpec {
    std::string name;
    std::string content;
    mode_t mode = 0600;
    bool directory = false;
};

// "@DIR@" in toml, expected, env values stands for the scratch directory.
struct BadCase {
    std::string name;
    std::string toml;
    std::vector<std::string> expected;
    std::map<std::string, std::string> env = {};
    std::vector<FileSpec> files = {};
    std::string must_not_contain = {};  // e.g. a secret value: never in a message
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

const std::string k_listen_usage = " (use HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)";
const std::string k_levels = "(expected \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"critical\" or \"off\")";
const std::string k_inline_secret =
    "api.token: inline secrets are not allowed; use token_file = \"/etc/tocsin/NAME\" (mode 0600), "
    "token = \"env:NAME\" or token = \"cred:NAME\" (systemd LoadCredential=)";

std::vector<BadCase> bad_cases() {
    return {
        // --- TOML syntax: toml++ stops at the first error, located by it.
        {"syntax_unquoted_duration",
         "[daemon]\n"
         "shutdown_timeout = 5s\n",
         {"t.toml:2:21: syntax error: Error while parsing decimal integer: expected digit, saw 's'"}},
        {"syntax_duplicate_key",
         "[log]\n"
         "level = \"info\"\n"
         "level = \"debug\"\n",
         {"t.toml:3:9: syntax error: Error while parsing key-value pair: cannot redefine existing string 'level'"}},
        {"syntax_unterminated_string",
         "[daemon]\n"
         "state_dir = \"abc\n",
         {"t.toml:2:17: syntax error: Error while parsing string: unescaped control characters other than TAB "
          "(U+0009) are explicitly prohibited"}},

        // --- Unknown names, with a suggestion only when one is close.
        {"unknown_section_suggestion",
         "[deamon]\n"
         "state_dir = \"/srv/tocsin\"\n",
         {"t.toml:1:2: deamon: unknown section; did you mean \"daemon\"?"}},
        {"unknown_section_prefix_suggestion",
         "[logging]\n"
         "level = \"info\"\n",
         {"t.toml:1:2: logging: unknown section; did you mean \"log\"?"}},
        {"unknown_section_no_suggestion",
         "[alerts]\n"
         "x = 1\n",
         {"t.toml:1:2: alerts: unknown section"}},
        {"unknown_top_level_key",
         "verbose = true\n",
         {"t.toml:1:1: verbose: unknown key"}},
        {"unknown_key_suggestion",
         "[daemon]\n"
         "shutdwn_timeout = \"5s\"\n",
         {"t.toml:2:1: daemon.shutdwn_timeout: unknown key; did you mean \"shutdown_timeout\"?"}},
        {"unknown_key_no_suggestion",
         "[daemon]\n"
         "colour = \"red\"\n",
         {"t.toml:2:1: daemon.colour: unknown key"}},
        {"unknown_quoted_key_suggestion",
         "[daemon]\n"
         "\"state dir\" = \"/srv\"\n",
         {"t.toml:2:1: daemon.\"state dir\": unknown key; did you mean \"state_dir\"?"}},
        {"unknown_sub_table",
         "[api.tls]\n"
         "cert = \"/etc/tocsin/cert.pem\"\n",
         {"t.toml:1:6: api.tls: unknown section"}},

        // --- Wrong TOML types.
        {"type_string_for_section",
         "daemon = \"/var/lib/tocsin\"\n",
         {"t.toml:1:10: daemon: expected a table, got a string"}},
        {"type_array_of_tables_for_section",
         "[[api]]\n"
         "listen = \"127.0.0.1:9464\"\n",
         {"t.toml:1:1: api: expected a table, got an array"}},
        {"type_integer_for_string",
         "[daemon]\n"
         "state_dir = 5\n",
         {"t.toml:2:13: daemon.state_dir: expected a string, got an integer"}},
        {"type_integer_for_duration",
         "[daemon]\n"
         "shutdown_timeout = 5\n",
         {"t.toml:2:20: daemon.shutdown_timeout: expected a duration string such as \"90s\", got an integer"}},
        {"type_boolean_for_integer",
         "[api]\n"
         "max_body_bytes = true\n",
         {"t.toml:2:18: api.max_body_bytes: expected an integer, got a boolean"}},
        {"type_float_for_integer",
         "[api]\n"
         "max_body_bytes = 1.5\n",
         {"t.toml:2:18: api.max_body_bytes: expected an integer, got a float"}},
        {"type_array_for_string",
         "[api]\n"
         "listen = [\"127.0.0.1:9464\"]\n",
         {"t.toml:2:10: api.listen: expected a string, got an array"}},
        {"type_integer_for_enum",
         "[log]\n"
         "level = 3\n",
         {"t.toml:2:9: log.level: expected a string, got an integer"}},
        {"type_inline_table_value",
         "api = { listen = 9464 }\n",
         {"t.toml:1:18: api.listen: expected a string, got an integer"}},

        // --- Durations: malformed.
        {"duration_words",
         "[daemon]\n"
         "state_dir = \"/srv/tocsin\"\n"
         "shutdown_timeout = \"5 minutes\"\n",
         {"t.toml:3:20: daemon.shutdown_timeout: invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_no_unit",
         "[daemon]\n"
         "health_interval = \"30\"\n",
         {"t.toml:2:19: daemon.health_interval: invalid duration \"30\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_units_out_of_order",
         "[api]\n"
         "request_timeout = \"1m1h\"\n",
         {"t.toml:2:19: api.request_timeout: invalid duration \"1m1h\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_fraction",
         "[storage]\n"
         "busy_timeout = \"1.5s\"\n",
         {"t.toml:2:16: storage.busy_timeout: invalid duration \"1.5s\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_negative",
         "[storage]\n"
         "busy_timeout = \"-5s\"\n",
         {"t.toml:2:16: storage.busy_timeout: invalid duration \"-5s\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_unknown_unit",
         "[api]\n"
         "request_timeout = \"10sec\"\n",
         {"t.toml:2:19: api.request_timeout: invalid duration \"10sec\" (use e.g. 90s, 5m, 1h30m)"}},
        {"duration_empty",
         "[daemon]\n"
         "health_interval = \"\"\n",
         {"t.toml:2:19: daemon.health_interval: invalid duration \"\" (use e.g. 90s, 5m, 1h30m)"}},

        // --- Durations: out of range.
        {"duration_below_min",
         "[daemon]\n"
         "shutdown_timeout = \"50ms\"\n",
         {"t.toml:2:20: daemon.shutdown_timeout: must be at least 100ms, got 50ms"}},
        {"duration_above_max",
         "[daemon]\n"
         "shutdown_timeout = \"10m\"\n",
         {"t.toml:2:20: daemon.shutdown_timeout: must be at most 5m, got 10m"}},
        {"duration_zero_below_min",
         "[daemon]\n"
         "health_interval = \"0s\"\n",
         {"t.toml:2:19: daemon.health_interval: must be at least 1s, got 0s"}},
        {"duration_busy_timeout_above_max",
         "[storage]\n"
         "busy_timeout = \"1m1ms\"\n",
         {"t.toml:2:16: storage.busy_timeout: must be at most 1m, got 1m1ms"}},
        {"duration_request_timeout_above_max",
         "[api]\n"
         "request_timeout = \"1d\"\n",
         {"t.toml:2:19: api.request_timeout: must be at most 1h, got 1d"}},

        // --- Integers out of range.
        {"max_body_bytes_too_small",
         "[api]\n"
         "max_body_bytes = 1023\n",
         {"t.toml:2:18: api.max_body_bytes: must be between 1024 and 67108864, got 1023"}},
        {"max_body_bytes_too_large",
         "[api]\n"
         "max_body_bytes = 67108865\n",
         {"t.toml:2:18: api.max_body_bytes: must be between 1024 and 67108864, got 67108865"}},
        {"max_body_bytes_negative",
         "[api]\n"
         "max_body_bytes = -1\n",
         {"t.toml:2:18: api.max_body_bytes: must be between 1024 and 67108864, got -1"}},

        // --- Enumerations.
        {"enum_level_suggestion",
         "[log]\n"
         "level = \"warning\"\n",
         {"t.toml:2:9: log.level: invalid value \"warning\" " + k_levels + "; did you mean \"warn\"?"}},
        {"enum_level_typo_suggestion",
         "[log]\n"
         "level = \"dbug\"\n",
         {"t.toml:2:9: log.level: invalid value \"dbug\" " + k_levels + "; did you mean \"debug\"?"}},
        {"enum_format_no_suggestion",
         "[log]\n"
         "format = \"xml\"\n",
         {"t.toml:2:10: log.format: invalid value \"xml\" (expected \"auto\", \"text\" or \"journal\")"}},
        {"enum_level_empty",
         "[log]\n"
         "level = \"\"\n",
         {"t.toml:2:9: log.level: invalid value \"\" " + k_levels}},
        {"enum_is_case_sensitive",
         "[log]\n"
         "format = \"JSON\"\n",
         {"t.toml:2:10: log.format: invalid value \"JSON\" (expected \"auto\", \"text\" or \"journal\")"}},

        // --- Empty strings.
        {"empty_state_dir",
         "[daemon]\n"
         "state_dir = \"\"\n",
         {"t.toml:2:13: daemon.state_dir: must not be empty"}},
        {"empty_storage_path",
         "[storage]\n"
         "path = \"\"\n",
         {"t.toml:2:8: storage.path: must not be empty"}},
        {"empty_listen",
         "[api]\n"
         "listen = \"\"\n",
         {"t.toml:2:10: api.listen: must not be empty"}},

        // --- Listen addresses.
        {"listen_no_port",
         "[api]\n"
         "listen = \"127.0.0.1\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.1\": missing port" + k_listen_usage}},
        {"listen_empty_port",
         "[api]\n"
         "listen = \"127.0.0.1:\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.1:\": missing port" + k_listen_usage}},
        {"listen_port_not_a_number",
         "[api]\n"
         "listen = \"127.0.0.1:http\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.1:http\": port must be a number from 0 to 65535" + k_listen_usage}},
        {"listen_port_too_large",
         "[api]\n"
         "listen = \"127.0.0.1:65536\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.1:65536\": port must be a number from 0 to 65535" + k_listen_usage}},
        {"listen_negative_port",
         "[api]\n"
         "listen = \"127.0.0.1:-1\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.1:-1\": port must be a number from 0 to 65535" + k_listen_usage}},
        {"listen_bare_ipv6",
         "[api]\n"
         "listen = \"::1:9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"::1:9464\": an IPv6 address needs brackets" + k_listen_usage}},
        {"listen_ipv6_unclosed_bracket",
         "[api]\n"
         "listen = \"[::1:9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"[::1:9464\": missing ']' after the IPv6 address" + k_listen_usage}},
        {"listen_ipv6_no_colon_after_bracket",
         "[api]\n"
         "listen = \"[::1]9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"[::1]9464\": missing port" + k_listen_usage}},
        {"listen_hostname",
         "[api]\n"
         "listen = \"tocsin.example.com:9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"tocsin.example.com:9464\": host must be an IP address or localhost" + k_listen_usage}},
        {"listen_empty_host",
         "[api]\n"
         "listen = \":9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \":9464\": host must be an IP address or localhost" + k_listen_usage}},
        {"listen_bad_ipv4",
         "[api]\n"
         "listen = \"127.0.0.256:9464\"\n",
         {"t.toml:2:10: api.listen: invalid listen address \"127.0.0.256:9464\": host must be an IP address or localhost" + k_listen_usage}},

        // --- Secrets: inline values are refused and never echoed.
        {"secret_inline_refused",
         "[api]\n"
         "token = \"s3cr3t-inline-value\"\n",
         {"t.toml:2:9: " + k_inline_secret},
         {},
         {},
         "s3cr3t"},
        {"secret_path_in_token_refused",
         "[api]\n"
         "token = \"/etc/tocsin/api-token\"\n",
         {"t.toml:2:9: " + k_inline_secret},
         {},
         {},
         "api-token"},
        {"secret_empty_token",
         "[api]\n"
         "token = \"\"\n",
         {"t.toml:2:9: api.token: must not be empty"}},
        {"secret_token_wrong_type",
         "[api]\n"
         "token = 12345\n",
         {"t.toml:2:9: api.token: expected a string, got an integer"},
         {},
         {},
         "12345"},

        // --- Secrets from the environment.
        {"secret_env_unset",
         "[api]\n"
         "token = \"env:TOCSIN_API_TOKEN\"\n",
         {"t.toml:2:9: api.token: environment variable TOCSIN_API_TOKEN is not set"}},
        {"secret_env_empty",
         "[api]\n"
         "token = \"env:TOCSIN_API_TOKEN\"\n",
         {"t.toml:2:9: api.token: environment variable TOCSIN_API_TOKEN is empty"},
         {{"TOCSIN_API_TOKEN", ""}}},
        {"secret_env_only_newline",
         "[api]\n"
         "token = \"env:TOCSIN_API_TOKEN\"\n",
         {"t.toml:2:9: api.token: environment variable TOCSIN_API_TOKEN is empty"},
         {{"TOCSIN_API_TOKEN", "\n"}}},
        {"secret_env_no_name",
         "[api]\n"
         "token = \"env:\"\n",
         {"t.toml:2:9: api.token: \"env:\" needs a variable name, e.g. \"env:TOCSIN_API_TOKEN\""}},

        // --- Secrets from systemd credentials.
        {"secret_cred_without_credentials_directory",
         "[api]\n"
         "token = \"cred:api-token\"\n",
         {"t.toml:2:9: api.token: credential api-token requested but CREDENTIALS_DIRECTORY is not set "
          "(use LoadCredential= in the unit)"}},
        {"secret_cred_with_empty_credentials_directory",
         "[api]\n"
         "token = \"cred:api-token\"\n",
         {"t.toml:2:9: api.token: credential api-token requested but CREDENTIALS_DIRECTORY is not set "
          "(use LoadCredential= in the unit)"},
         {{"CREDENTIALS_DIRECTORY", ""}}},
        {"secret_cred_no_name",
         "[api]\n"
         "token = \"cred:\"\n",
         {"t.toml:2:9: api.token: \"cred:\" needs a credential name without '/', e.g. \"cred:api-token\""}},
        {"secret_cred_name_with_slash",
         "[api]\n"
         "token = \"cred:../../etc/shadow\"\n",
         {"t.toml:2:9: api.token: \"cred:\" needs a credential name without '/', e.g. \"cred:api-token\""},
         {{"CREDENTIALS_DIRECTORY", "@DIR@/creds"}},
         {{"creds", "", 0700, true}}},
        {"secret_cred_missing",
         "[api]\n"
         "token = \"cred:api-token\"\n",
         {"t.toml:2:9: api.token: cannot read secret file \"@DIR@/creds/api-token\": No such file or directory"},
         {{"CREDENTIALS_DIRECTORY", "@DIR@/creds"}},
         {{"creds", "", 0700, true}}},
        {"secret_cred_world_readable",
         "[api]\n"
         "token = \"cred:api-token\"\n",
         {"t.toml:2:9: api.token: secret file \"@DIR@/creds/api-token\" has permissions 0644, which lets group "
          "or others access it (chmod 600 it)"},
         {{"CREDENTIALS_DIRECTORY", "@DIR@/creds"}},
         {{"creds/api-token", "cred-secret-value\n", 0644}},
         "cred-secret-value"},

        // --- Secrets from files.
        {"secret_file_missing",
         "[api]\n"
         "token_file = \"@DIR@/missing\"\n",
         {"t.toml:2:14: api.token_file: cannot read secret file \"@DIR@/missing\": No such file or directory"}},
        {"secret_file_mode_0644",
         "[api]\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/api-token\" has permissions 0644, which lets group or "
          "others access it (chmod 600 it)"},
         {},
         {{"api-token", "hunter2-file-secret\n", 0644}},
         "hunter2"},
        {"secret_file_mode_0640",
         "[api]\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/api-token\" has permissions 0640, which lets group or "
          "others access it (chmod 600 it)"},
         {},
         {{"api-token", "hunter2-file-secret\n", 0640}},
         "hunter2"},
        {"secret_file_empty",
         "[api]\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/api-token\" is empty"},
         {},
         {{"api-token", "", 0600}}},
        {"secret_file_only_newlines",
         "[api]\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/api-token\" is empty"},
         {},
         {{"api-token", "\r\n\n", 0600}}},
        {"secret_file_is_directory",
         "[api]\n"
         "token_file = \"@DIR@/tokens\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/tokens\" is not a regular file"},
         {},
         {{"tokens", "", 0700, true}}},
        {"secret_file_too_large",
         "[api]\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:2:14: api.token_file: secret file \"@DIR@/api-token\" is larger than 64 KiB"},
         {},
         {{"api-token", std::string(64 * 1024 + 1, 'x'), 0600}}},
        {"secret_file_empty_path",
         "[api]\n"
         "token_file = \"\"\n",
         {"t.toml:2:14: api.token_file: must not be empty"}},
        {"secret_token_and_token_file",
         "[api]\n"
         "token = \"env:TOCSIN_API_TOKEN\"\n"
         "token_file = \"@DIR@/api-token\"\n",
         {"t.toml:3:14: api.token_file: set either token or token_file, not both"},
         {{"TOCSIN_API_TOKEN", "env-secret-value"}},
         {{"api-token", "file-secret-value\n", 0600}},
         "secret-value"},

        // --- Several problems in one file: all of them, in file order,
        // although the loader visits daemon, storage, log, api in that order.
        {"many_problems_in_file_order",
         "[api]\n"
         "listen = \"localhost\"\n"
         "max_body_bytes = 10\n"
         "[log]\n"
         "level = \"verbose\"\n"
         "colour = true\n"
         "[daemon]\n"
         "shutdown_timeout = \"forever\"\n"
         "health_interval = \"0s\"\n"
         "[storage]\n"
         "path = \"\"\n"
         "[logging]\n"
         "level = \"info\"\n",
         {
             "t.toml:2:10: api.listen: invalid listen address \"localhost\": missing port" + k_listen_usage,
             "t.toml:3:18: api.max_body_bytes: must be between 1024 and 67108864, got 10",
             "t.toml:5:9: log.level: invalid value \"verbose\" " + k_levels,
             "t.toml:6:1: log.colour: unknown key",
             "t.toml:8:20: daemon.shutdown_timeout: invalid duration \"forever\" (use e.g. 90s, 5m, 1h30m)",
             "t.toml:9:19: daemon.health_interval: must be at least 1s, got 0s",
             "t.toml:11:8: storage.path: must not be empty",
             "t.toml:12:2: logging: unknown section; did you mean \"log\"?",
         }},
        {"many_problems_on_one_line_by_column",
         "api = { request_timeout = \"1y\", max_body_bytes = 1, listen = \"x\" }\n",
         {
             "t.toml:1:27: api.request_timeout: invalid duration \"1y\" (use e.g. 90s, 5m, 1h30m)",
             "t.toml:1:50: api.max_body_bytes: must be between 1024 and 67108864, got 1",
             "t.toml:1:62: api.listen: invalid listen address \"x\": missing port" + k_listen_usage,
         }},
        {"section_error_and_secret_error",
         "[api]\n"
         "token = \"env:MISSING\"\n"
         "[daemon]\n"
         "state_dir = false\n"
         "[strage]\n",
         {
             "t.toml:2:9: api.token: environment variable MISSING is not set",
             "t.toml:4:13: daemon.state_dir: expected a string, got a boolean",
             "t.toml:5:2: strage: unknown section; did you mean \"storage\"?",
         }},
    };
}

class BadConfigTest : public testing::TempDirTest, public ::testing::WithParamInterface<BadCase> {
protected:
    std::string expand(const std::string& text) const { return replace_all(text, "@DIR@", dir()); }
};

TEST_P(BadConfigTest, RefusedWithExactlyLocatedDiagnostics) {
    const BadCase& c = GetParam();
    for (const FileSpec& file : c.files) {
        if (file.directory) {
            make_dir(file.name);
        } else {
            write_file(file.name, file.content, file.mode);
        }
    }
    std::map<std::string, std::string> env;
    for (const auto& [name, value] : c.env) env[name] = expand(value);
    std::vector<std::string> expected;
    for (const auto& e : c.expected) expected.push_back(expand(e));

    LoadResult result = load_string(expand(c.toml), "t.toml", fake_env(env));

    EXPECT_FALSE(result.ok());
    EXPECT_FALSE(result.config.has_value());
    EXPECT_EQ(diagnostic_strings(result), expected);
    for (const Diagnostic& d : result.diagnostics) {
        EXPECT_EQ(d.file, "t.toml");
        EXPECT_GT(d.line, 0u) << d.to_string();
        EXPECT_GT(d.column, 0u) << d.to_string();
        if (!c.must_not_contain.empty()) {
            EXPECT_EQ(d.to_string().find(c.must_not_contain), std::string::npos) << d.to_string();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Config, BadConfigTest, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(BadConfigCases, NamesAreDistinctAndThereAreEnough) {
    std::vector<BadCase> cases = bad_cases();
    std::set<std::string> names;
    std::set<std::string> texts;
    for (const auto& c : cases) {
        names.insert(c.name);
        // What the loader sees: the text, the environment and the files.
        std::string input = c.toml;
        for (const auto& [name, value] : c.env) input += "\x1f" + name + "=" + value;
        for (const auto& f : c.files) {
            input += "\x1f" + f.name + ":" + std::to_string(f.mode) + (f.directory ? "/" : "") + f.content;
        }
        texts.insert(input);
    }
    EXPECT_EQ(names.size(), cases.size());
    EXPECT_EQ(texts.size(), cases.size());
    EXPECT_GE(cases.size(), 30u);
}

// A key path names exactly the key, separately from line and column.
TEST(BadConfigFields, DiagnosticFieldsAreSeparate) {
    LoadResult result = load_string("[daemon]\nshutdown_timeout = \"5 minutes\"\n", "t.toml", fake_env());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    const Diagnostic& d = result.diagnostics[0];
    EXPECT_EQ(d.file, "t.toml");
    EXPECT_EQ(d.line, 2u);
    EXPECT_EQ(d.column, 20u);
    EXPECT_EQ(d.key_path, "daemon.shutdown_timeout");
    EXPECT_EQ(d.message, "invalid duration \"5 minutes\" (use e.g. 90s, 5m, 1h30m)");
}

TEST(BadConfigFields, SyntaxErrorHasNoKeyPath) {
    LoadResult result = load_string("[daemon\n", "t.toml", fake_env());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_TRUE(result.diagnostics[0].key_path.empty());
    EXPECT_EQ(result.diagnostics[0].line, 1u);
    EXPECT_TRUE(result.diagnostics[0].message.starts_with("syntax error: ")) << result.diagnostics[0].message;
    EXPECT_FALSE(result.config.has_value());
}

}  // namespace
}  // namespace tocsin::config
