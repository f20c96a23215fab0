// A small Go text/template: lexing and parsing straight from the text into
// a tree, checks that Go would only make at execution time (function arity,
// fields of the alert data) done at parse time, and an evaluator over a
// handful of value kinds (nil, bool, int, float64, string, the label maps
// and the data struct). Behaviour and messages follow Go 1.19's
// text/template and Prometheus 2.42's template package.
#include "tocsin/rules/template.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "go_format.hpp"
#include "tocsin/core/go_format.hpp"

namespace tocsin::rules {

std::string TemplateError::to_string() const {
    return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

// Prometheus prepends these definitions to every alert template; execution
// errors count columns on line 1 from the start of this text, as Go does.
constexpr std::size_t k_prometheus_prefix_length =
    std::string_view("{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
                     "{{$externalURL := .ExternalURL}}{{$value := .Value}}")
        .size();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80; }

// ---------------------------------------------------------------- values

struct Value {
    enum class Kind { nil, boolean, integer, number, string, map, data };
    Kind kind = Kind::nil;
    bool b = false;
    std::int64_t i = 0;
    double f = 0;
    std::string s;
    const Labels* map = nullptr;  // for Kind::map

    static Value boolean(bool v) {
        Value out;
        out.kind = Kind::boolean;
        out.b = v;
        return out;
    }
    static Value integer(std::int64_t v) {
        Value out;
        out.kind = Kind::integer;
        out.i = v;
        return out;
    }
    static Value number(double v) {
        Value out;
        out.kind = Kind::number;
        out.f = v;
        return out;
    }
    static Value string(std::string v) {
        Value out;
        out.kind = Kind::string;
        out.s = std::move(v);
        return out;
    }
    static Value of_map(const Labels* m) {
        Value out;
        out.kind = Kind::map;
        out.map = m;
        return out;
    }
};

const Labels& empty_labels() {
    static const Labels empty;
    return empty;
}

constexpr std::string_view k_data_type =
    "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }";

std::string type_name(const Value& v) {
    switch (v.kind) {
        case Value::Kind::nil: return "<nil>";
        case Value::Kind::boolean: return "bool";
        case Value::Kind::integer: return "int";
        case Value::Kind::number: return "float64";
        case Value::Kind::string: return "string";
        case Value::Kind::map: return "map[string]string";
        case Value::Kind::data: return std::string(k_data_type);
    }
    return "?";
}

bool is_true(const Value& v) {
    switch (v.kind) {
        case Value::Kind::nil: return false;
        case Value::Kind::boolean: return v.b;
        case Value::Kind::integer: return v.i != 0;
        case Value::Kind::number: return v.f != 0;
        case Value::Kind::string: return !v.s.empty();
        case Value::Kind::map: return !v.map->empty();
        case Value::Kind::data: return true;
    }
    return false;
}

std::string map_string(const Labels& m) {
    std::string out = "map[";
    bool first = true;
    for (const auto& l : m) {
        if (!first) out += ' ';
        first = false;
        out += l.name + ":" + l.value;
    }
    return out + "]";
}

// fmt.Sprint of one value (%v).
std::string sprint(const Value& v, const TemplateData* data) {
    switch (v.kind) {
        case Value::Kind::nil: return "<nil>";
        case Value::Kind::boolean: return v.b ? "true" : "false";
        case Value::Kind::integer: return std::to_string(v.i);
        case Value::Kind::number: return gofmt::format_float(v.f);
        case Value::Kind::string: return v.s;
        case Value::Kind::map: return map_string(*v.map);
        case Value::Kind::data:
            return "{" + map_string(data->labels) + " map[]  " + gofmt::format_float(data->value) + "}";
    }
    return "";
}

// ---------------------------------------------------------------- tree

struct Pipe;

struct Operand {
    enum class Kind { dot, field, variable, string, integer, number, boolean, nil, function, pipe };
    Kind kind = Kind::nil;
    std::size_t pos = 0;
    std::string text;                 // as written, for error context
    std::string name;                 // variable ("$x") or function name
    std::vector<std::string> fields;  // the chain: .A.B
    std::string str;
    std::int64_t i = 0;
    double f = 0;
    bool b = false;
    std::shared_ptr<Pipe> pipe;
};

struct Command {
    std::size_t pos = 0;
    std::string text;
    std::vector<Operand> args;
};

struct Pipe {
    std::size_t pos = 0;
    std::vector<std::string> decl;  // variables declared (:=) or assigned (=)
    bool assign = false;
    std::vector<Command> cmds;
};

struct Node;
using List = std::vector<Node>;

struct Node {
    enum class Kind { text, action, if_, range, with };
    Kind kind = Kind::text;
    std::size_t pos = 0;
    std::string text;  // Kind::text
    Pipe pipe;
    List list;
    List else_list;
};

// ---------------------------------------------------------------- functions

struct ExecState;
using FunctionImpl = bool (*)(ExecState&, std::vector<Value>&, Value&, std::string&);

struct Function {
    std::string_view name;
    int min_args;
    int max_args;  // -1: variadic
    FunctionImpl impl;
};

const Function* find_function(std::string_view name);

// Functions Prometheus offers that tocsin does not (they query the store or
// need a web UI); named so the error says so rather than "not defined".
bool is_unsupported_prometheus_function(std::string_view name) {
    static constexpr std::string_view k_names[] = {"query",    "first",     "label",       "value",
                                                   "strvalue", "args",      "safeHtml",    "sortByLabel",
                                                   "graphLink", "tableLink", "pathPrefix", "externalURL",
                                                   "toTime",   "call",      "slice",       "js"};
    return std::find(std::begin(k_names), std::end(k_names), name) != std::end(k_names);
}

// ---------------------------------------------------------------- parser

struct Token {
    enum class Kind {
        eof,           // end of the text inside an action
        right_delim,   // }} (trim: -}})
        pipe,          // |
        lparen,
        rparen,
        declare,       // :=
        assign,        // =
        comma,
        dot,           // . alone
        field,         // .Name
        variable,      // $ or $name
        string,
        raw_string,
        number,
        identifier,
        error,
    };
    Kind kind = Kind::eof;
    std::size_t pos = 0;
    std::string_view text;
    bool space_before = false;
    bool trim = false;  // right_delim with a trim marker
    std::string error;
};

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    std::optional<TemplateError> parse(List& out) {
        m_vars = {"$", "$labels", "$externalLabels", "$externalURL", "$value"};
        Stop stop;
        if (!parse_list(out, stop, 0)) return m_error;
        if (stop.kind == Stop::Kind::end) return fail(stop.pos, "unexpected {{end}}");
        if (stop.kind == Stop::Kind::else_plain || stop.kind == Stop::Kind::else_if) {
            return fail(stop.pos, "unexpected {{else}}");
        }
        return std::nullopt;
    }

private:
    struct Stop {
        enum class Kind { eof, end, else_plain, else_if };
        Kind kind = Kind::eof;
        std::size_t pos = 0;
        Pipe pipe;  // else if
    };

    // --- errors
    TemplateError make_error(std::size_t pos, std::string message) const {
        TemplateError e;
        e.position = pos;
        e.line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < pos && i < m_text.size(); ++i) {
            if (m_text[i] == '\n') {
                ++e.line;
                line_start = i + 1;
            }
        }
        e.column = pos - line_start + 1;
        e.message = std::move(message);
        return e;
    }
    TemplateError fail(std::size_t pos, std::string message) {
        if (!m_error) m_error = make_error(pos, std::move(message));
        return *m_error;
    }
    bool error(std::size_t pos, std::string message) {
        fail(pos, std::move(message));
        return false;
    }

    // --- text and actions
    bool parse_list(List& out, Stop& stop, int depth) {
        if (depth > 100) return error(m_pos, "template nested too deeply");
        while (true) {
            std::size_t open = m_text.find("{{", m_pos);
            std::size_t text_end = open == std::string_view::npos ? m_text.size() : open;
            bool trim_left = open != std::string_view::npos && open + 3 < m_text.size() && m_text[open + 2] == '-' &&
                             is_space(m_text[open + 3]);
            std::string_view text = m_text.substr(m_pos, text_end - m_pos);
            if (m_trim_next) {
                while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
                m_trim_next = false;
            }
            if (trim_left) {
                while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
            }
            if (!text.empty()) {
                Node node;
                node.kind = Node::Kind::text;
                node.pos = static_cast<std::size_t>(text.data() - m_text.data());
                node.text = std::string(text);
                out.push_back(std::move(node));
            }
            if (open == std::string_view::npos) {
                stop.kind = Stop::Kind::eof;
                m_pos = m_text.size();
                return true;
            }
            m_pos = open + 2 + (trim_left ? 2 : 0);
            std::size_t action_pos = open;
            // Comments: {{/* ... */}}, the comment right after the delimiter.
            if (m_text.substr(m_pos).starts_with("/*")) {
                std::size_t close = m_text.find("*/", m_pos + 2);
                if (close == std::string_view::npos) return error(action_pos, "unclosed comment");
                m_pos = close + 2;
                if (m_text.substr(m_pos).starts_with("}}")) {
                    m_pos += 2;
                } else if (m_pos + 1 < m_text.size() && is_space(m_text[m_pos]) && m_text[m_pos + 1] == '-' &&
                           m_text.substr(m_pos + 2).starts_with("}}")) {
                    m_pos += 4;
                    m_trim_next = true;
                } else {
                    return error(action_pos, "comment ends before closing delimiter");
                }
                continue;
            }
            Token t = next();
            if (t.kind == Token::Kind::identifier) {
                std::string_view word = t.text;
                if (word == "end") {
                    if (!expect_close("end")) return false;
                    stop.kind = Stop::Kind::end;
                    stop.pos = t.pos;
                    return true;
                }
                if (word == "else") {
                    Token after = peek();
                    if (after.kind == Token::Kind::identifier && after.text == "if") {
                        next();
                        stop.kind = Stop::Kind::else_if;
                        stop.pos = t.pos;
                        return parse_pipeline(stop.pipe, "if", false);
                    }
                    if (!expect_close("else")) return false;
                    stop.kind = Stop::Kind::else_plain;
                    stop.pos = t.pos;
                    return true;
                }
                if (word == "if" || word == "with" || word == "range") {
                    Node node;
                    node.kind = word == "if" ? Node::Kind::if_ : word == "with" ? Node::Kind::with : Node::Kind::range;
                    node.pos = t.pos;
                    if (!parse_control(node, std::string(word), depth)) return false;
                    out.push_back(std::move(node));
                    continue;
                }
                if (word == "define" || word == "template" || word == "block" || word == "break" ||
                    word == "continue") {
                    return error(t.pos, "{{" + std::string(word) + "}} is not supported in alert templates");
                }
            }
            m_pushback = t;
            Node node;
            node.kind = Node::Kind::action;
            node.pos = action_pos;
            if (!parse_pipeline(node.pipe, "command", true)) return false;
            out.push_back(std::move(node));
        }
    }

    bool parse_control(Node& node, const std::string& keyword, int depth) {
        std::size_t mark = m_vars.size();
        if (!parse_pipeline(node.pipe, keyword, keyword == "range" ? 2 : 1)) return false;
        // Inside with and range, dot is no longer the alert data.
        bool saved_root = m_dot_is_root;
        if (keyword != "if") m_dot_is_root = false;
        Stop stop;
        if (!parse_list(node.list, stop, depth + 1)) return false;
        m_dot_is_root = saved_root;
        if (stop.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
        if (stop.kind == Stop::Kind::else_plain) {
            Stop end;
            if (!parse_list(node.else_list, end, depth + 1)) return false;
            if (end.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
            if (end.kind != Stop::Kind::end) return error(end.pos, "expected end; found {{else}}");
        } else if (stop.kind == Stop::Kind::else_if) {
            // {{else if x}} ... {{end}} is {{else}}{{if x}} ... {{end}}{{end}}.
            Node inner;
            inner.kind = Node::Kind::if_;
            inner.pos = stop.pos;
            inner.pipe = std::move(stop.pipe);
            Stop inner_stop;
            if (!parse_list(inner.list, inner_stop, depth + 1)) return false;
            if (inner_stop.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
            if (inner_stop.kind == Stop::Kind::else_plain) {
                Stop end;
                if (!parse_list(inner.else_list, end, depth + 1)) return false;
                if (end.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
                if (end.kind != Stop::Kind::end) return error(end.pos, "expected end; found {{else}}");
            } else if (inner_stop.kind == Stop::Kind::else_if) {
                // Re-enter: treat the rest as another else-if chain on `inner`.
                Node chain;
                chain.kind = Node::Kind::if_;
                chain.pos = inner_stop.pos;
                chain.pipe = std::move(inner_stop.pipe);
                if (!finish_else_if(chain, depth + 1)) return false;
                inner.else_list.push_back(std::move(chain));
            }
            node.else_list.push_back(std::move(inner));
        }
        m_vars.resize(mark);
        return true;
    }

    // The tail of an else-if chain whose condition is parsed: its body, an
    // optional else or further else-if, up to the shared {{end}}.
    bool finish_else_if(Node& node, int depth) {
        if (depth > 100) return error(node.pos, "template nested too deeply");
        Stop stop;
        if (!parse_list(node.list, stop, depth)) return false;
        if (stop.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
        if (stop.kind == Stop::Kind::else_plain) {
            Stop end;
            if (!parse_list(node.else_list, end, depth)) return false;
            if (end.kind == Stop::Kind::eof) return error(m_text.size(), "unexpected EOF");
            if (end.kind != Stop::Kind::end) return error(end.pos, "expected end; found {{else}}");
        } else if (stop.kind == Stop::Kind::else_if) {
            Node chain;
            chain.kind = Node::Kind::if_;
            chain.pos = stop.pos;
            chain.pipe = std::move(stop.pipe);
            if (!finish_else_if(chain, depth + 1)) return false;
            node.else_list.push_back(std::move(chain));
        }
        return true;
    }

    bool expect_close(std::string_view keyword) {
        Token t = next();
        if (t.kind == Token::Kind::error) return error(t.pos, t.error);
        if (t.kind != Token::Kind::right_delim) {
            if (t.kind == Token::Kind::eof) return error(t.pos, "unclosed action");
            return error(t.pos, "unexpected " + describe(t) + " in " + std::string(keyword));
        }
        m_trim_next = t.trim;
        return true;
    }

    // pipeline: [decl] command { '|' command }, up to the closing delimiter.
    // `max_decl`: how many variables may be declared (range: 2).
    bool parse_pipeline(Pipe& pipe, const std::string& context, int max_decl) {
        Token first = peek();
        pipe.pos = first.pos;
        // Declarations: $x := ..., $x = ..., $k, $v := ...
        if (first.kind == Token::Kind::variable) {
            std::size_t save = m_pos;
            std::optional<Token> saved_pushback = m_pushback;
            std::vector<Token> vars;
            vars.push_back(next());
            Token t = next();
            while (t.kind == Token::Kind::comma && static_cast<int>(vars.size()) < max_decl) {
                Token v = next();
                if (v.kind != Token::Kind::variable) return error(v.pos, "too many declarations in " + context);
                vars.push_back(v);
                t = next();
            }
            if (t.kind == Token::Kind::declare || (t.kind == Token::Kind::assign && vars.size() == 1)) {
                pipe.assign = t.kind == Token::Kind::assign;
                for (const Token& v : vars) {
                    std::string name(v.text);
                    if (pipe.assign && !has_var(name)) return error(v.pos, "undefined variable \"" + name + "\"");
                    pipe.decl.push_back(name);
                }
            } else if (vars.size() > 1 || t.kind == Token::Kind::comma) {
                return error(t.pos, "too many declarations in " + context);
            } else {
                m_pos = save;
                m_pushback = saved_pushback;
            }
        }
        while (true) {
            Command cmd;
            if (!parse_command(cmd, context, pipe.cmds.empty())) return false;
            pipe.cmds.push_back(std::move(cmd));
            Token t = next();
            if (t.kind == Token::Kind::pipe) continue;
            if (t.kind == Token::Kind::right_delim) {
                m_trim_next = t.trim;
                break;
            }
            if (t.kind == Token::Kind::error) return error(t.pos, t.error);
            if (t.kind == Token::Kind::eof) return error(t.pos, "unclosed action");
            return error(t.pos, "unexpected " + describe(t) + " in " + context);
        }
        if (!pipe.assign) {
            for (const auto& name : pipe.decl) m_vars.push_back(name);
        }
        return check_arity(pipe);
    }

    // Same grammar, but closed by ')' (a parenthesized pipeline).
    bool parse_sub_pipeline(Pipe& pipe) {
        pipe.pos = peek().pos;
        while (true) {
            Command cmd;
            if (!parse_command(cmd, "parenthesized pipeline", pipe.cmds.empty())) return false;
            pipe.cmds.push_back(std::move(cmd));
            Token t = next();
            if (t.kind == Token::Kind::pipe) continue;
            if (t.kind == Token::Kind::rparen) break;
            if (t.kind == Token::Kind::error) return error(t.pos, t.error);
            if (t.kind == Token::Kind::right_delim || t.kind == Token::Kind::eof) return error(t.pos, "unclosed left paren");
            return error(t.pos, "unexpected " + describe(t) + " in parenthesized pipeline");
        }
        return check_arity(pipe);
    }

    bool check_arity(const Pipe& pipe) {
        for (std::size_t c = 0; c < pipe.cmds.size(); ++c) {
            const Command& cmd = pipe.cmds[c];
            const Operand& head = cmd.args.front();
            int given = static_cast<int>(cmd.args.size()) - 1 + (c > 0 ? 1 : 0);
            if (head.kind == Operand::Kind::function) {
                const Function* fn = find_function(head.name);
                if (given < fn->min_args || (fn->max_args >= 0 && given > fn->max_args)) {
                    std::string want = std::to_string(fn->min_args);
                    if (fn->max_args < 0) want = "at least " + want;
                    else if (fn->max_args != fn->min_args) want += " to " + std::to_string(fn->max_args);
                    return error(cmd.pos, "wrong number of args for " + head.name + ": want " + want + " got " +
                                              std::to_string(given));
                }
            } else if (given > 0) {
                if (head.kind == Operand::Kind::nil) return error(cmd.pos, "nil is not a command");
                return error(cmd.pos, "can't give argument to non-function " + head.text);
            } else if (head.kind == Operand::Kind::nil) {
                return error(cmd.pos, "nil is not a command");
            }
        }
        return true;
    }

    bool parse_command(Command& cmd, const std::string& context, bool first_in_pipe) {
        (void)first_in_pipe;
        cmd.pos = peek().pos;
        std::size_t end_pos = cmd.pos;
        while (true) {
            Token t = peek();
            if (t.kind == Token::Kind::error) return error(t.pos, t.error);
            if (t.kind == Token::Kind::pipe || t.kind == Token::Kind::right_delim || t.kind == Token::Kind::rparen ||
                t.kind == Token::Kind::eof) {
                break;
            }
            if (!cmd.args.empty() && !t.space_before && t.kind != Token::Kind::lparen) {
                return error(t.pos, "missing space?");
            }
            Operand op;
            if (!parse_operand(op, context)) return false;
            end_pos = m_last_end;
            cmd.args.push_back(std::move(op));
        }
        if (cmd.args.empty()) {
            Token t = peek();
            if (t.kind == Token::Kind::eof) return error(t.pos, "unclosed action");
            return error(t.pos, "missing value for " + context);
        }
        cmd.text = std::string(m_text.substr(cmd.pos, end_pos - cmd.pos));
        while (!cmd.text.empty() && is_space(cmd.text.back())) cmd.text.pop_back();
        return true;
    }

    bool parse_operand(Operand& op, const std::string& context) {
        Token t = next();
        op.pos = t.pos;
        bool root_chain = false;  // a chain on the alert data itself: .X or $.X
        switch (t.kind) {
            case Token::Kind::dot:
                op.kind = Operand::Kind::dot;
                break;
            case Token::Kind::field:
                op.kind = Operand::Kind::field;
                op.fields.push_back(std::string(t.text.substr(1)));
                root_chain = m_dot_is_root;
                break;
            case Token::Kind::variable: {
                op.kind = Operand::Kind::variable;
                op.name = std::string(t.text);
                if (!has_var(op.name)) return error(t.pos, "undefined variable \"" + op.name + "\"");
                root_chain = op.name == "$";
                break;
            }
            case Token::Kind::string:
            case Token::Kind::raw_string:
                op.kind = Operand::Kind::string;
                if (!unquote(t, op.str)) return false;
                break;
            case Token::Kind::number:
                if (!parse_number(t, op)) return false;
                break;
            case Token::Kind::identifier: {
                std::string word(t.text);
                if (word == "true" || word == "false") {
                    op.kind = Operand::Kind::boolean;
                    op.b = word == "true";
                } else if (word == "nil") {
                    op.kind = Operand::Kind::nil;
                } else if (find_function(word) != nullptr) {
                    op.kind = Operand::Kind::function;
                    op.name = word;
                } else if (is_unsupported_prometheus_function(word)) {
                    return error(t.pos, "function \"" + word + "\" is not supported by tocsin");
                } else if (word == "if" || word == "else" || word == "end" || word == "range" || word == "with") {
                    return error(t.pos, "unexpected <" + word + "> in " + context);
                } else {
                    return error(t.pos, "function \"" + word + "\" not defined");
                }
                break;
            }
            case Token::Kind::lparen: {
                op.kind = Operand::Kind::pipe;
                op.pipe = std::make_shared<Pipe>();
                if (!parse_sub_pipeline(*op.pipe)) return false;
                break;
            }
            case Token::Kind::error:
                return error(t.pos, t.error);
            default:
                return error(t.pos, "unexpected " + describe(t) + " in operand");
        }
        // A field chain directly attached: $labels.a, (x).y, .A.B
        while (true) {
            Token f = peek();
            if (f.kind != Token::Kind::field || f.space_before) break;
            if (op.kind == Operand::Kind::function || op.kind == Operand::Kind::string ||
                op.kind == Operand::Kind::integer || op.kind == Operand::Kind::number ||
                op.kind == Operand::Kind::boolean || op.kind == Operand::Kind::nil || op.kind == Operand::Kind::dot) {
                return error(f.pos, "unexpected . after term " + std::string(m_text.substr(op.pos, f.pos - op.pos)));
            }
            next();
            op.fields.push_back(std::string(f.text.substr(1)));
        }
        op.text = std::string(m_text.substr(op.pos, m_last_end - op.pos));
        while (!op.text.empty() && is_space(op.text.back())) op.text.pop_back();
        return check_fields(op, root_chain);
    }

    // What Go would only find at execution: fields the alert data lacks.
    bool check_fields(const Operand& op, bool root_chain) {
        std::vector<std::string> chain = op.fields;
        enum class Type { data, map, string, number, unknown } type = Type::unknown;
        if (root_chain) type = Type::data;
        if (op.kind == Operand::Kind::variable) {
            if (op.name == "$labels" || op.name == "$externalLabels") type = Type::map;
            else if (op.name == "$value") type = Type::number;
            else if (op.name == "$externalURL") type = Type::string;
        }
        for (const auto& field : chain) {
            switch (type) {
                case Type::data:
                    if (field == "Labels" || field == "ExternalLabels") type = Type::map;
                    else if (field == "Value") type = Type::number;
                    else if (field == "ExternalURL") type = Type::string;
                    else return error(op.pos, "can't evaluate field " + field + " (the alert data has Labels, Value, ExternalLabels and ExternalURL)");
                    break;
                case Type::map: type = Type::string; break;
                case Type::string: return error(op.pos, "can't evaluate field " + field + " in type string");
                case Type::number: return error(op.pos, "can't evaluate field " + field + " in type float64");
                case Type::unknown: return true;
            }
        }
        return true;
    }

    bool has_var(const std::string& name) const {
        return std::find(m_vars.begin(), m_vars.end(), name) != m_vars.end();
    }

    bool unquote(const Token& t, std::string& out) {
        std::string_view body = t.text.substr(1, t.text.size() - 2);
        if (t.kind == Token::Kind::raw_string) {
            out = std::string(body);
            return true;
        }
        for (std::size_t i = 0; i < body.size(); ++i) {
            char c = body[i];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (++i >= body.size()) return error(t.pos, "invalid syntax");
            char e = body[i];
            switch (e) {
                case 'a': out += '\a'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'v': out += '\v'; break;
                case '\\': out += '\\'; break;
                case '"': out += '"'; break;
                case 'x': {
                    unsigned v = 0;
                    for (int k = 1; k <= 2; ++k) {
                        if (i + static_cast<std::size_t>(k) >= body.size()) return error(t.pos, "invalid syntax");
                        char h = body[i + static_cast<std::size_t>(k)];
                        unsigned d = is_digit(h) ? static_cast<unsigned>(h - '0')
                                     : (h >= 'a' && h <= 'f') ? static_cast<unsigned>(h - 'a' + 10)
                                     : (h >= 'A' && h <= 'F') ? static_cast<unsigned>(h - 'A' + 10)
                                                              : 99u;
                        if (d > 15) return error(t.pos, "invalid syntax");
                        v = v * 16 + d;
                    }
                    out += static_cast<char>(v);
                    i += 2;
                    break;
                }
                case 'u':
                case 'U': {
                    std::size_t n = e == 'u' ? 4 : 8;
                    std::uint32_t cp = 0;
                    for (std::size_t k = 1; k <= n; ++k) {
                        if (i + k >= body.size()) return error(t.pos, "invalid syntax");
                        char h = body[i + k];
                        unsigned d = is_digit(h) ? static_cast<unsigned>(h - '0')
                                     : (h >= 'a' && h <= 'f') ? static_cast<unsigned>(h - 'a' + 10)
                                     : (h >= 'A' && h <= 'F') ? static_cast<unsigned>(h - 'A' + 10)
                                                              : 99u;
                        if (d > 15) return error(t.pos, "invalid syntax");
                        cp = cp * 16 + d;
                    }
                    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return error(t.pos, "invalid syntax");
                    tocsin::gofmt::append_utf8(out, static_cast<char32_t>(cp));
                    i += n;
                    break;
                }
                default:
                    if (e >= '0' && e <= '7') {
                        unsigned v = 0;
                        for (int k = 0; k < 3; ++k) {
                            if (i + static_cast<std::size_t>(k) >= body.size()) return error(t.pos, "invalid syntax");
                            char o = body[i + static_cast<std::size_t>(k)];
                            if (o < '0' || o > '7') return error(t.pos, "invalid syntax");
                            v = v * 8 + static_cast<unsigned>(o - '0');
                        }
                        if (v > 255) return error(t.pos, "invalid syntax");
                        out += static_cast<char>(v);
                        i += 2;
                        break;
                    }
                    return error(t.pos, "invalid syntax");
            }
        }
        return true;
    }

    // Go's NumberNode and idealConstant: a constant with '.', 'e' or 'p'
    // (outside hex integers) is a float64, else an int.
    bool parse_number(const Token& t, Operand& op) {
        std::string text(t.text);
        std::string bad = "bad number syntax: \"" + text + "\"";
        std::string_view body = text;
        bool negative = false;
        if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
            negative = body[0] == '-';
            body.remove_prefix(1);
        }
        bool hex = body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
        bool floaty = hex ? body.find_first_of("pP") != std::string_view::npos
                          : body.find_first_of(".eE") != std::string_view::npos;
        if (floaty) {
            if (text.find('_') != std::string::npos) return error(t.pos, bad);
            auto v = gofmt::parse_float(text);
            if (!v) return error(t.pos, bad);
            op.kind = Operand::Kind::number;
            op.f = *v;
            return true;
        }
        std::string digits;
        for (char c : body) {
            if (c != '_') digits += c;
        }
        int base = 10;
        std::size_t start = 0;
        if (digits.size() > 1 && digits[0] == '0') {
            char p = digits[1];
            if (p == 'x' || p == 'X') base = 16, start = 2;
            else if (p == 'b' || p == 'B') base = 2, start = 2;
            else if (p == 'o' || p == 'O') base = 8, start = 2;
            else base = 8, start = 1;
        }
        if (start >= digits.size() && !(base == 8 && start == 1)) return error(t.pos, bad);
        unsigned long long v = 0;
        for (std::size_t i = start; i < digits.size(); ++i) {
            char c = digits[i];
            int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
            if (d >= base) return error(t.pos, bad);
            if (v > (std::numeric_limits<unsigned long long>::max() - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) {
                return error(t.pos, bad);
            }
            v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
        }
        std::uint64_t limit = negative ? (1ULL << 63) : (1ULL << 63) - 1;
        if (v > limit) return error(t.pos, bad);
        op.kind = Operand::Kind::integer;
        op.i = negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
        return true;
    }

    static std::string describe(const Token& t) {
        switch (t.kind) {
            case Token::Kind::right_delim: return "\"}}\"";
            case Token::Kind::eof: return "EOF";
            default: return "\"" + std::string(t.text) + "\"";
        }
    }

    // --- tokens inside an action
    Token peek() {
        if (!m_pushback) m_pushback = lex();
        return *m_pushback;
    }
    Token next() {
        Token t;
        if (m_pushback) {
            t = *m_pushback;
            m_pushback.reset();
        } else {
            t = lex();
        }
        if (t.kind != Token::Kind::eof && t.kind != Token::Kind::error) m_last_end = t.pos + t.text.size();
        return t;
    }

    Token lex() {
        Token t;
        std::size_t start = m_pos;
        while (true) {
            if (m_text.substr(m_pos).starts_with("}}")) {
                t.kind = Token::Kind::right_delim;
                t.pos = m_pos;
                t.text = m_text.substr(m_pos, 2);
                t.space_before = m_pos > start;
                m_pos += 2;
                return t;
            }
            if (m_pos + 1 < m_text.size() && is_space(m_text[m_pos]) && m_text[m_pos + 1] == '-' &&
                m_text.substr(m_pos + 2).starts_with("}}")) {
                t.kind = Token::Kind::right_delim;
                t.trim = true;
                t.pos = m_pos;
                t.text = m_text.substr(m_pos, 4);
                m_pos += 4;
                return t;
            }
            if (m_pos < m_text.size() && is_space(m_text[m_pos])) {
                ++m_pos;
                continue;
            }
            break;
        }
        t.space_before = m_pos > start;
        t.pos = m_pos;
        if (m_pos >= m_text.size()) {
            t.kind = Token::Kind::eof;
            return t;
        }
        char c = m_text[m_pos];
        auto single = [&](Token::Kind kind) {
            t.kind = kind;
            t.text = m_text.substr(m_pos, 1);
            ++m_pos;
            return t;
        };
        switch (c) {
            case '|': return single(Token::Kind::pipe);
            case '(': return single(Token::Kind::lparen);
            case ')': return single(Token::Kind::rparen);
            case ',': return single(Token::Kind::comma);
            case '=': return single(Token::Kind::assign);
            case ':':
                if (m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '=') {
                    t.kind = Token::Kind::declare;
                    t.text = m_text.substr(m_pos, 2);
                    m_pos += 2;
                    return t;
                }
                return lex_error(t, "expected :=");
            case '"': {
                std::size_t i = m_pos + 1;
                while (i < m_text.size() && m_text[i] != '"') {
                    if (m_text[i] == '\n') return lex_error(t, "unterminated quoted string");
                    if (m_text[i] == '\\') ++i;
                    ++i;
                }
                if (i >= m_text.size()) return lex_error(t, "unterminated quoted string");
                t.kind = Token::Kind::string;
                t.text = m_text.substr(m_pos, i + 1 - m_pos);
                m_pos = i + 1;
                return t;
            }
            case '`': {
                std::size_t close = m_text.find('`', m_pos + 1);
                if (close == std::string_view::npos) return lex_error(t, "unterminated raw quoted string");
                t.kind = Token::Kind::raw_string;
                t.text = m_text.substr(m_pos, close + 1 - m_pos);
                m_pos = close + 1;
                return t;
            }
            case '\'':
                return lex_error(t, "character constants are not supported in alert templates");
            case '$': {
                std::size_t i = m_pos + 1;
                while (i < m_text.size() && is_alnum(m_text[i])) ++i;
                t.kind = Token::Kind::variable;
                t.text = m_text.substr(m_pos, i - m_pos);
                m_pos = i;
                return t;
            }
            case '.': {
                if (m_pos + 1 < m_text.size() && is_digit(m_text[m_pos + 1])) break;  // a number like .5
                std::size_t i = m_pos + 1;
                while (i < m_text.size() && is_alnum(m_text[i])) ++i;
                t.kind = i == m_pos + 1 ? Token::Kind::dot : Token::Kind::field;
                t.text = m_text.substr(m_pos, i - m_pos);
                m_pos = i;
                return t;
            }
            default:
                break;
        }
        if (is_digit(c) || c == '.' || ((c == '+' || c == '-') && m_pos + 1 < m_text.size() &&
                                        (is_digit(m_text[m_pos + 1]) || m_text[m_pos + 1] == '.'))) {
            std::string_view rest = m_text.substr(m_pos);
            if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) rest.remove_prefix(1);
            bool hex = rest.starts_with("0x") || rest.starts_with("0X");
            std::size_t i = m_pos + 1;
            while (i < m_text.size()) {
                char d = m_text[i];
                char prev = m_text[i - 1];
                bool exp_sign = (d == '+' || d == '-') &&
                                (hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E'));
                if (is_alnum(d) || d == '.' || d == '_' || exp_sign) {
                    ++i;
                    continue;
                }
                break;
            }
            t.kind = Token::Kind::number;
            t.text = m_text.substr(m_pos, i - m_pos);
            m_pos = i;
            return t;
        }
        if (is_alpha(c) || static_cast<unsigned char>(c) >= 0x80) {
            std::size_t i = m_pos;
            while (i < m_text.size() && is_alnum(m_text[i])) ++i;
            t.kind = Token::Kind::identifier;
            t.text = m_text.substr(m_pos, i - m_pos);
            m_pos = i;
            return t;
        }
        return lex_error(t, "unexpected \"" + std::string(1, c) + "\" in operand");
    }

    Token lex_error(Token& t, std::string message) {
        t.kind = Token::Kind::error;
        t.error = std::move(message);
        t.text = m_text.substr(m_pos, 1);
        m_pos = m_text.size();
        return t;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::size_t m_last_end = 0;  // end of the last token consumed
    bool m_trim_next = false;
    bool m_dot_is_root = true;
    std::optional<Token> m_pushback;
    std::vector<std::string> m_vars;
    std::optional<TemplateError> m_error;
};

}  // namespace

struct Template::Impl {
    std::string text;
    std::string name;
    List root;
    bool constant = false;
};

namespace {

// ---------------------------------------------------------------- execution

struct ExecError {
    std::size_t pos = 0;
    std::string context;
    std::string message;
};

struct ExecState {
    const Template::Impl* tmpl = nullptr;
    const TemplateData* data = nullptr;
    std::vector<std::pair<std::string, Value>> vars;
    std::string out;
    std::optional<ExecError> error;
    int steps = 0;

    bool fail(std::size_t pos, const std::string& context, std::string message) {
        if (!error) error = ExecError{pos, context, std::move(message)};
        return false;
    }

    Value root() const {
        Value v;
        v.kind = Value::Kind::data;
        return v;
    }

    Value* find_var(const std::string& name) {
        for (auto it = vars.rbegin(); it != vars.rend(); ++it) {
            if (it->first == name) return &it->second;
        }
        return nullptr;
    }
};

bool eval_pipe(ExecState& s, const Pipe& pipe, const Value& dot, Value& out, bool declare = true);

bool eval_field(ExecState& s, const Operand& op, const std::string& field, Value& v) {
    switch (v.kind) {
        case Value::Kind::data:
            if (field == "Labels") v = Value::of_map(&s.data->labels);
            else if (field == "ExternalLabels") v = Value::of_map(&empty_labels());
            else if (field == "ExternalURL") v = Value::string("");
            else if (field == "Value") v = Value::number(s.data->value);
            else return s.fail(op.pos, op.text, "can't evaluate field " + field + " in type " + std::string(k_data_type));
            return true;
        case Value::Kind::map:
            // missingkey=zero: an absent label reads as "".
            v = Value::string(std::string(v.map->get(field)));
            return true;
        case Value::Kind::nil:
            return s.fail(op.pos, op.text, "nil pointer evaluating interface {}." + field);
        default:
            return s.fail(op.pos, op.text, "can't evaluate field " + field + " in type " + type_name(v));
    }
}

bool eval_operand(ExecState& s, const Operand& op, const Value& dot, Value& out) {
    switch (op.kind) {
        case Operand::Kind::dot: out = dot; break;
        case Operand::Kind::field: out = dot; break;
        case Operand::Kind::variable: {
            Value* v = s.find_var(op.name);
            if (v == nullptr) return s.fail(op.pos, op.text, "undefined variable: " + op.name);
            out = *v;
            break;
        }
        case Operand::Kind::string: out = Value::string(op.str); break;
        case Operand::Kind::integer: out = Value::integer(op.i); break;
        case Operand::Kind::number: out = Value::number(op.f); break;
        case Operand::Kind::boolean: out = Value::boolean(op.b); break;
        case Operand::Kind::nil: out = Value{}; break;
        case Operand::Kind::pipe:
            if (!eval_pipe(s, *op.pipe, dot, out)) return false;
            break;
        case Operand::Kind::function: {
            std::vector<Value> args;
            const Function* fn = find_function(op.name);
            std::string message;
            if (!fn->impl(s, args, out, message)) {
                return s.fail(op.pos, op.text, "error calling " + op.name + ": " + message);
            }
            break;
        }
    }
    for (const auto& field : op.fields) {
        if (!eval_field(s, op, field, out)) return false;
    }
    return true;
}

bool eval_command(ExecState& s, const Command& cmd, const Value& dot, const Value* final_arg, Value& out) {
    const Operand& head = cmd.args.front();
    if (head.kind != Operand::Kind::function) return eval_operand(s, head, dot, out);
    const Function* fn = find_function(head.name);
    std::vector<Value> args;
    bool lazy = head.name == "and" || head.name == "or";
    for (std::size_t i = 1; i < cmd.args.size(); ++i) {
        Value v;
        if (!eval_operand(s, cmd.args[i], dot, v)) return false;
        // and/or stop at the first argument that decides the result.
        if (lazy && (head.name == "and" ? !is_true(v) : is_true(v))) {
            out = v;
            return true;
        }
        args.push_back(std::move(v));
    }
    if (final_arg != nullptr) args.push_back(*final_arg);
    std::string message;
    if (!fn->impl(s, args, out, message)) {
        return s.fail(cmd.pos, cmd.text, "error calling " + head.name + ": " + message);
    }
    return true;
}

bool eval_pipe(ExecState& s, const Pipe& pipe, const Value& dot, Value& out, bool declare) {
    Value value;
    for (std::size_t i = 0; i < pipe.cmds.size(); ++i) {
        Value next;
        if (!eval_command(s, pipe.cmds[i], dot, i == 0 ? nullptr : &value, next)) return false;
        value = std::move(next);
    }
    if (!declare) {
    } else if (pipe.assign) {
        if (Value* v = s.find_var(pipe.decl.front())) *v = value;
    } else {
        for (const auto& name : pipe.decl) s.vars.emplace_back(name, value);
    }
    out = std::move(value);
    return true;
}

bool walk(ExecState& s, const List& list, const Value& dot);

bool walk_node(ExecState& s, const Node& node, const Value& dot) {
    if (++s.steps > 1'000'000) return s.fail(node.pos, "", "template too expensive");
    switch (node.kind) {
        case Node::Kind::text:
            s.out += node.text;
            return true;
        case Node::Kind::action: {
            Value v;
            if (!eval_pipe(s, node.pipe, dot, v)) return false;
            if (node.pipe.decl.empty()) s.out += v.kind == Value::Kind::nil ? "<no value>" : sprint(v, s.data);
            return true;
        }
        case Node::Kind::if_:
        case Node::Kind::with: {
            std::size_t mark = s.vars.size();
            Value v;
            if (!eval_pipe(s, node.pipe, dot, v)) return false;
            bool ok = true;
            if (is_true(v)) ok = walk(s, node.list, node.kind == Node::Kind::with ? v : dot);
            else ok = walk(s, node.else_list, dot);
            s.vars.resize(mark);
            return ok;
        }
        case Node::Kind::range: {
            std::size_t mark = s.vars.size();
            // Evaluated without declaring: the variables are set per element.
            Value v;
            if (!eval_pipe(s, node.pipe, dot, v, false)) return false;
            if (v.kind != Value::Kind::map) {
                if (v.kind == Value::Kind::nil) return walk(s, node.else_list, dot);
                return s.fail(node.pos, "", "range can't iterate over " + sprint(v, s.data));
            }
            if (v.map->empty()) return walk(s, node.else_list, dot);
            for (const auto& label : *v.map) {
                Value element = Value::string(label.value);
                if (node.pipe.decl.size() == 1) {
                    s.vars.emplace_back(node.pipe.decl[0], element);
                } else if (node.pipe.decl.size() == 2) {
                    s.vars.emplace_back(node.pipe.decl[0], Value::string(label.name));
                    s.vars.emplace_back(node.pipe.decl[1], element);
                }
                bool ok = walk(s, node.list, element);
                s.vars.resize(mark);
                if (!ok) return false;
            }
            return true;
        }
    }
    return true;
}

bool walk(ExecState& s, const List& list, const Value& dot) {
    for (const Node& node : list) {
        if (!walk_node(s, node, dot)) return false;
    }
    return true;
}

// ---------------------------------------------------------------- builtins

bool need_string(const Value& v, std::string& out, std::string& message) {
    if (v.kind != Value::Kind::string) {
        message = "wrong type for value; expected string; got " + type_name(v);
        return false;
    }
    out = v.s;
    return true;
}

// Prometheus' convertToFloat.
bool to_float(const Value& v, double& out, std::string& message) {
    switch (v.kind) {
        case Value::Kind::number: out = v.f; return true;
        case Value::Kind::integer: out = static_cast<double>(v.i); return true;
        case Value::Kind::string: {
            bool range = false;
            auto parsed = gofmt::parse_float(v.s, &range);
            if (!parsed) {
                message = "strconv.ParseFloat: parsing " + gofmt::quote(v.s) + ": invalid syntax";
                return false;
            }
            if (range) {
                message = "strconv.ParseFloat: parsing " + gofmt::quote(v.s) + ": value out of range";
                return false;
            }
            out = *parsed;
            return true;
        }
        default:
            message = "can't convert " + type_name(v) + " to float";
            return false;
    }
}

std::string g4(double v) { return gofmt::format_float(v, 'g', 4); }

bool fn_humanize(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    double v = 0;
    if (!to_float(a[0], v, m)) return false;
    if (v == 0 || std::isnan(v) || std::isinf(v)) {
        out = Value::string(g4(v));
        return true;
    }
    std::string prefix;
    if (std::fabs(v) >= 1) {
        for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
            if (std::fabs(v) < 1000) break;
            prefix = p;
            v /= 1000;
        }
    } else {
        for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
            if (std::fabs(v) >= 1) break;
            prefix = p;
            v *= 1000;
        }
    }
    out = Value::string(g4(v) + prefix);
    return true;
}

bool fn_humanize1024(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    double v = 0;
    if (!to_float(a[0], v, m)) return false;
    if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
        out = Value::string(g4(v));
        return true;
    }
    std::string prefix;
    for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
        if (std::fabs(v) < 1024) break;
        prefix = p;
        v /= 1024;
    }
    out = Value::string(g4(v) + prefix);
    return true;
}

bool fn_humanize_duration(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    double v = 0;
    if (!to_float(a[0], v, m)) return false;
    if (std::isnan(v) || std::isinf(v)) {
        out = Value::string(g4(v));
        return true;
    }
    if (v == 0) {
        out = Value::string(g4(v) + "s");
        return true;
    }
    if (std::fabs(v) >= 1) {
        std::string sign;
        if (v < 0) {
            sign = "-";
            v = -v;
        }
        // Go's int64(v): truncation; values beyond int64 saturate here.
        auto duration = v >= 9.2e18 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(v);
        std::int64_t seconds = duration % 60;
        std::int64_t minutes = (duration / 60) % 60;
        std::int64_t hours = (duration / 60 / 60) % 24;
        std::int64_t days = duration / 60 / 60 / 24;
        auto n = [](std::int64_t x) { return std::to_string(x); };
        if (days != 0) {
            out = Value::string(sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
        } else if (hours != 0) {
            out = Value::string(sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
        } else if (minutes != 0) {
            out = Value::string(sign + n(minutes) + "m " + n(seconds) + "s");
        } else {
            out = Value::string(sign + g4(v) + "s");
        }
        return true;
    }
    std::string prefix;
    for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
        if (std::fabs(v) >= 1) break;
        prefix = p;
        v *= 1000;
    }
    out = Value::string(g4(v) + prefix + "s");
    return true;
}

bool fn_humanize_percentage(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    double v = 0;
    if (!to_float(a[0], v, m)) return false;
    out = Value::string(g4(v * 100) + "%");
    return true;
}

bool fn_humanize_timestamp(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    double v = 0;
    if (!to_float(a[0], v, m)) return false;
    if (std::isnan(v) || std::isinf(v)) {
        out = Value::string(g4(v));
        return true;
    }
    double ns = v * 1e9;
    if (ns > 9223372036854775807.0 || ns < -9223372036854775808.0) {
        m = gofmt::format_float(v) + " cannot be represented as a nanoseconds timestamp since it overflows int64";
        return false;
    }
    auto nanos = ns >= 9223372036854775807.0 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(ns);
    out = Value::string(gofmt::format_utc_time(nanos / 1'000'000));
    return true;
}

bool fn_title(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s;
    if (!need_string(a[0], s, m)) return false;
    // strings.Title: upper-case the first letter of each word; ASCII letters,
    // digits, '_' and any non-ASCII byte continue a word.
    bool prev_sep = true;
    for (char& c : s) {
        auto u = static_cast<unsigned char>(c);
        bool word = is_alnum(c) || u >= 0x80;
        if (prev_sep && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        prev_sep = !word;
    }
    out = Value::string(std::move(s));
    return true;
}

bool fn_to_upper(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s;
    if (!need_string(a[0], s, m)) return false;
    for (char& c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    out = Value::string(std::move(s));
    return true;
}

bool fn_to_lower(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s;
    if (!need_string(a[0], s, m)) return false;
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out = Value::string(std::move(s));
    return true;
}

// net.SplitHostPort, reduced to what stripPort and stripDomain need.
bool split_host_port(const std::string& hp, std::string& host, std::string& port) {
    if (!hp.empty() && hp[0] == '[') {
        auto close = hp.find(']');
        if (close == std::string::npos || close + 1 >= hp.size() || hp[close + 1] != ':') return false;
        host = hp.substr(1, close - 1);
        port = hp.substr(close + 2);
        return port.find(':') == std::string::npos;
    }
    auto colon = hp.find(':');
    if (colon == std::string::npos || hp.find(':', colon + 1) != std::string::npos) return false;
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
    return true;
}

bool fn_strip_port(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s, host, port;
    if (!need_string(a[0], s, m)) return false;
    out = Value::string(split_host_port(s, host, port) ? host : s);
    return true;
}

bool looks_like_ip(const std::string& host) {
    if (host.find(':') != std::string::npos) return true;  // IPv6
    int dots = 0, digits = 0;
    for (char c : host) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots;
            digits = 0;
        } else if (is_digit(c)) {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

bool fn_strip_domain(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s, host, port;
    if (!need_string(a[0], s, m)) return false;
    if (!split_host_port(s, host, port)) {
        host = s;
        port.clear();
    }
    if (looks_like_ip(host)) {
        out = Value::string(s);
        return true;
    }
    host = host.substr(0, host.find('.'));
    out = Value::string(port.empty() ? host : host + ":" + port);
    return true;
}

bool compile_regex(const std::string& pattern, std::unique_ptr<RE2>& re, std::string& m) {
    RE2::Options options;
    options.set_log_errors(false);
    re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
        m = "regexp: Compile(" + gofmt::quote(pattern) + "): " + re->error();
        return false;
    }
    return true;
}

bool fn_match(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string pattern, text;
    if (!need_string(a[0], pattern, m) || !need_string(a[1], text, m)) return false;
    std::unique_ptr<RE2> re;
    if (!compile_regex(pattern, re, m)) return false;
    out = Value::boolean(RE2::PartialMatch(text, *re));
    return true;
}

// Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$.
void expand_replacement(const RE2& re, const std::string& repl, const std::vector<re2::StringPiece>& groups,
                        std::string& out) {
    const auto& names = re.NamedCapturingGroups();
    auto group = [&](const std::string& name) -> std::string {
        bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), is_digit);
        int index = -1;
        if (numeric) {
            if (name.size() < 6) index = std::stoi(name);
        } else if (auto it = names.find(name); it != names.end()) {
            index = it->second;
        }
        if (index < 0 || static_cast<std::size_t>(index) >= groups.size() || groups[static_cast<std::size_t>(index)].data() == nullptr) {
            return "";
        }
        return std::string(groups[static_cast<std::size_t>(index)]);
    };
    for (std::size_t i = 0; i < repl.size(); ++i) {
        char c = repl[i];
        if (c != '$' || i + 1 >= repl.size()) {
            out += c;
            continue;
        }
        char n = repl[i + 1];
        if (n == '$') {
            out += '$';
            ++i;
        } else if (n == '{') {
            auto close = repl.find('}', i + 2);
            std::string name = close == std::string::npos ? "" : repl.substr(i + 2, close - i - 2);
            bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char x) { return is_alpha(x) || is_digit(x); });
            if (!valid) {
                out += c;  // not a reference: the '$' is literal
                continue;
            }
            out += group(name);
            i = close;
        } else if (is_alpha(n) || is_digit(n)) {
            std::size_t j = i + 1;
            while (j < repl.size() && (is_alpha(repl[j]) || is_digit(repl[j]))) ++j;
            out += group(repl.substr(i + 1, j - i - 1));
            i = j - 1;
        } else {
            out += c;
        }
    }
}

bool fn_re_replace_all(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string pattern, repl, text;
    if (!need_string(a[0], pattern, m) || !need_string(a[1], repl, m) || !need_string(a[2], text, m)) return false;
    std::unique_ptr<RE2> re;
    if (!compile_regex(pattern, re, m)) return false;
    std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re->NumberOfCapturingGroups()) + 1);
    std::string result;
    std::size_t pos = 0;
    std::size_t last_match_end = std::string::npos;
    re2::StringPiece input(text);
    while (pos <= text.size()) {
        if (!re->Match(input, pos, text.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) break;
        std::size_t start = static_cast<std::size_t>(groups[0].data() - text.data());
        std::size_t end = start + groups[0].size();
        // An empty match right after the previous match is skipped, as Go does.
        if (!(groups[0].empty() && start == last_match_end)) {
            result.append(text, pos, start - pos);
            expand_replacement(*re, repl, groups, result);
            pos = end;
            last_match_end = end;
        } else {
            result.append(text, pos, start - pos);
            pos = start;
        }
        if (groups[0].empty()) {
            if (start >= text.size()) break;
            // Step over one UTF-8 character.
            std::size_t step = 1;
            auto lead = static_cast<unsigned char>(text[start]);
            if (lead >= 0xF0) step = 4;
            else if (lead >= 0xE0) step = 3;
            else if (lead >= 0xC0) step = 2;
            step = std::min(step, text.size() - start);
            result.append(text, start, step);
            pos = start + step;
        }
    }
    if (pos < text.size()) result.append(text, pos);
    out = Value::string(std::move(result));
    return true;
}

bool fn_parse_duration(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    std::string s;
    if (!need_string(a[0], s, m)) return false;
    // model.ParseDuration: units y w d h m s ms, largest first, each once.
    static constexpr std::pair<std::string_view, double> k_units[] = {
        {"y", 365 * 86400.0}, {"w", 7 * 86400.0}, {"d", 86400.0}, {"h", 3600.0},
        {"m", 60.0},          {"s", 1.0},         {"ms", 0.001}};
    auto invalid = [&] {
        m = "not a valid duration string: " + gofmt::quote(s);
        return false;
    };
    if (s == "0") {
        out = Value::number(0);
        return true;
    }
    if (s.empty()) return invalid();
    double total = 0;
    std::size_t i = 0;
    int last_unit = -1;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j == i) return invalid();
        double amount = std::stod(s.substr(i, j - i));
        std::size_t k = j;
        while (k < s.size() && !is_digit(s[k])) ++k;
        std::string_view unit(s.data() + j, k - j);
        int index = -1;
        for (int u = 0; u < 7; ++u) {
            if (k_units[u].first == unit) index = u;
        }
        if (index <= last_unit) return invalid();
        last_unit = index;
        total += amount * k_units[index].second;
        i = k;
    }
    out = Value::number(total);
    return true;
}

// -- text/template's builtins

bool fn_and(ExecState&, std::vector<Value>& a, Value& out, std::string&) {
    out = a.back();  // every argument was true (eval_command stops early otherwise)
    return true;
}

bool fn_or(ExecState&, std::vector<Value>& a, Value& out, std::string&) {
    out = a.back();
    return true;
}

bool fn_not(ExecState&, std::vector<Value>& a, Value& out, std::string&) {
    out = Value::boolean(!is_true(a[0]));
    return true;
}

enum class Basic { invalid, boolean, integer, number, string };
Basic basic_kind(const Value& v) {
    switch (v.kind) {
        case Value::Kind::boolean: return Basic::boolean;
        case Value::Kind::integer: return Basic::integer;
        case Value::Kind::number: return Basic::number;
        case Value::Kind::string: return Basic::string;
        default: return Basic::invalid;
    }
}

// -1, 0, 1; false with a message when Go would refuse the comparison.
bool compare(const Value& x, const Value& y, bool ordering, int& result, std::string& m) {
    Basic kx = basic_kind(x), ky = basic_kind(y);
    if (kx == Basic::invalid || ky == Basic::invalid) {
        m = x.kind == Value::Kind::map || y.kind == Value::Kind::map || x.kind == Value::Kind::data ||
                    y.kind == Value::Kind::data
                ? "non-comparable type " + type_name(kx == Basic::invalid ? x : y)
                : "invalid type for comparison";
        return false;
    }
    if (kx != ky) {
        m = "incompatible types for comparison";
        return false;
    }
    switch (kx) {
        case Basic::boolean:
            if (ordering) {
                m = "invalid type for comparison";
                return false;
            }
            result = x.b == y.b ? 0 : 1;
            return true;
        case Basic::integer: result = x.i < y.i ? -1 : x.i > y.i ? 1 : 0; return true;
        case Basic::number:
            // NaN is neither less, nor greater, nor equal: report "unordered".
            if (std::isnan(x.f) || std::isnan(y.f)) result = 2;
            else result = x.f < y.f ? -1 : x.f > y.f ? 1 : 0;
            return true;
        case Basic::string: result = x.s < y.s ? -1 : x.s > y.s ? 1 : 0; return true;
        case Basic::invalid: break;
    }
    return false;
}

bool fn_eq(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    if (a.size() < 2) {
        m = "missing argument for comparison";
        return false;
    }
    for (std::size_t i = 1; i < a.size(); ++i) {
        int r = 0;
        if (!compare(a[0], a[i], false, r, m)) return false;
        if (r == 0) {
            out = Value::boolean(true);
            return true;
        }
    }
    out = Value::boolean(false);
    return true;
}

bool fn_ne(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    int r = 0;
    if (!compare(a[0], a[1], false, r, m)) return false;
    out = Value::boolean(r != 0);
    return true;
}

template <bool (*Pred)(int)>
bool fn_order(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    int r = 0;
    if (!compare(a[0], a[1], true, r, m)) return false;
    out = Value::boolean(r != 2 && Pred(r));
    return true;
}
bool is_lt(int r) { return r < 0; }
bool is_le(int r) { return r <= 0; }
bool is_gt(int r) { return r > 0; }
bool is_ge(int r) { return r >= 0; }

bool fn_len(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    if (a[0].kind == Value::Kind::string) out = Value::integer(static_cast<std::int64_t>(a[0].s.size()));
    else if (a[0].kind == Value::Kind::map) out = Value::integer(static_cast<std::int64_t>(a[0].map->size()));
    else {
        m = "len of type " + type_name(a[0]);
        return false;
    }
    return true;
}

bool fn_index(ExecState&, std::vector<Value>& a, Value& out, std::string& m) {
    Value item = a[0];
    for (std::size_t i = 1; i < a.size(); ++i) {
        if (item.kind == Value::Kind::map) {
            if (a[i].kind != Value::Kind::string) {
                m = "value has type " + type_name(a[i]) + "; should be string";
                return false;
            }
            item = Value::string(std::string(item.map->get(a[i].s)));
        } else if (item.kind == Value::Kind::nil) {
            m = "index of untyped nil";
            return false;
        } else {
            m = "can't index item of type " + type_name(item);
            return false;
        }
    }
    out = std::move(item);
    return true;
}

// fmt.Sprint: spaces between operands when neither is a string.
std::string go_sprint(const std::vector<Value>& a, const TemplateData* data) {
    std::string out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (i > 0 && a[i].kind != Value::Kind::string && a[i - 1].kind != Value::Kind::string) out += ' ';
        out += sprint(a[i], data);
    }
    return out;
}

bool fn_print(ExecState& s, std::vector<Value>& a, Value& out, std::string&) {
    out = Value::string(go_sprint(a, s.data));
    return true;
}

bool fn_println(ExecState& s, std::vector<Value>& a, Value& out, std::string&) {
    std::string text;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (i > 0) text += ' ';
        text += sprint(a[i], s.data);
    }
    out = Value::string(text + "\n");
    return true;
}

// fmt.Sprintf for the verbs templates use: v s q d f F e E g G t x X %.
std::string go_sprintf(const std::string& format, const std::vector<Value>& args, const TemplateData* data) {
    std::string out;
    std::size_t arg = 0;
    auto bad = [&](char verb, const Value& v) {
        return std::string("%!") + verb + "(" + type_name(v) + "=" + sprint(v, data) + ")";
    };
    for (std::size_t i = 0; i < format.size(); ++i) {
        char c = format[i];
        if (c != '%') {
            out += c;
            continue;
        }
        if (++i >= format.size()) {
            out += "%!(NOVERB)";
            break;
        }
        bool minus = false, plus = false, space = false, zero = false, sharp = false;
        for (; i < format.size(); ++i) {
            char f = format[i];
            if (f == '-') minus = true;
            else if (f == '+') plus = true;
            else if (f == ' ') space = true;
            else if (f == '0') zero = true;
            else if (f == '#') sharp = true;
            else break;
        }
        int width = -1, precision = -1;
        while (i < format.size() && is_digit(format[i])) width = std::max(width, 0) * 10 + (format[i++] - '0');
        if (i < format.size() && format[i] == '.') {
            ++i;
            precision = 0;
            while (i < format.size() && is_digit(format[i])) precision = precision * 10 + (format[i++] - '0');
        }
        if (i >= format.size()) {
            out += "%!(NOVERB)";
            break;
        }
        char verb = format[i];
        if (verb == '%') {
            out += '%';
            continue;
        }
        if (arg >= args.size()) {
            out += std::string("%!") + verb + "(MISSING)";
            continue;
        }
        const Value& v = args[arg++];
        std::string body;
        bool numeric = false;
        switch (verb) {
            case 'v':
                if (v.kind == Value::Kind::number && precision >= 0) body = gofmt::format_float(v.f, 'g', precision);
                else body = v.kind == Value::Kind::nil ? "<nil>" : sprint(v, data);
                numeric = v.kind == Value::Kind::number || v.kind == Value::Kind::integer;
                break;
            case 's':
                if (v.kind != Value::Kind::string) {
                    body = v.kind == Value::Kind::map ? sprint(v, data) : bad(verb, v);
                } else {
                    body = v.s;
                    if (precision >= 0 && static_cast<std::size_t>(precision) < body.size()) body.resize(static_cast<std::size_t>(precision));
                }
                break;
            case 'q':
                body = v.kind == Value::Kind::string ? gofmt::quote(v.s) : bad(verb, v);
                break;
            case 't':
                body = v.kind == Value::Kind::boolean ? (v.b ? "true" : "false") : bad(verb, v);
                break;
            case 'd':
                if (v.kind == Value::Kind::integer) {
                    body = std::to_string(v.i);
                    numeric = true;
                } else {
                    body = bad(verb, v);
                }
                break;
            case 'x':
            case 'X':
                if (v.kind == Value::Kind::integer || v.kind == Value::Kind::string) {
                    char buf[32];
                    if (v.kind == Value::Kind::integer) {
                        std::uint64_t mag = v.i < 0 ? 0 - static_cast<std::uint64_t>(v.i) : static_cast<std::uint64_t>(v.i);
                        std::snprintf(buf, sizeof buf, verb == 'x' ? "%llx" : "%llX", static_cast<unsigned long long>(mag));
                        body = std::string(v.i < 0 ? "-" : "") + (sharp ? (verb == 'x' ? "0x" : "0X") : "") + buf;
                        numeric = true;
                    } else {
                        for (unsigned char ch : v.s) {
                            std::snprintf(buf, sizeof buf, verb == 'x' ? "%02x" : "%02X", ch);
                            body += buf;
                        }
                    }
                } else {
                    body = bad(verb, v);
                }
                break;
            case 'f':
            case 'F':
            case 'e':
            case 'E':
            case 'g':
            case 'G': {
                if (v.kind != Value::Kind::number) {
                    body = bad(verb, v);
                    break;
                }
                numeric = true;
                char lower = static_cast<char>(verb == 'F' ? 'f' : verb | 0x20);
                int p = precision >= 0 ? precision : (lower == 'g' ? -1 : 6);
                body = gofmt::format_float(v.f, lower, p);
                if (verb == 'E' || verb == 'G') {
                    for (char& ch : body) {
                        if (ch == 'e') ch = 'E';
                    }
                }
                break;
            }
            default:
                body = bad(verb, v);
        }
        if (numeric && !body.empty() && body[0] != '-' && body != "NaN") {
            if (plus && body[0] != '+') body = "+" + body;
            else if (space && body[0] != '+') body = " " + body;
        } else if (numeric && body == "NaN" && plus) {
            body = "+NaN";
        }
        if (width >= 0 && body.size() < static_cast<std::size_t>(width)) {
            std::size_t pad = static_cast<std::size_t>(width) - body.size();
            bool finite = body.find("Inf") == std::string::npos && body.find("NaN") == std::string::npos;
            if (minus) {
                body.append(pad, ' ');
            } else if (zero && numeric && finite) {
                std::size_t sign = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
                body.insert(sign, pad, '0');
            } else {
                body.insert(0, pad, ' ');
            }
        }
        out += body;
    }
    if (arg < args.size()) {
        out += "%!(EXTRA ";
        for (std::size_t k = arg; k < args.size(); ++k) {
            if (k > arg) out += ", ";
            out += type_name(args[k]) + "=" + sprint(args[k], data);
        }
        out += ")";
    }
    return out;
}

bool fn_printf(ExecState& s, std::vector<Value>& a, Value& out, std::string& m) {
    std::string format;
    if (!need_string(a[0], format, m)) return false;
    std::vector<Value> rest(a.begin() + 1, a.end());
    out = Value::string(go_sprintf(format, rest, s.data));
    return true;
}

// text/template's evalArgs for the escapers: one string argument as is,
// else fmt.Sprint of them all.
std::string escaper_input(const std::vector<Value>& a, const TemplateData* data) {
    if (a.size() == 1 && a[0].kind == Value::Kind::string) return a[0].s;
    return go_sprint(a, data);
}

bool fn_html(ExecState& s, std::vector<Value>& a, Value& out, std::string&) {
    std::string text;
    for (char c : escaper_input(a, s.data)) {
        switch (c) {
            case '"': text += "&#34;"; break;
            case '\'': text += "&#39;"; break;
            case '&': text += "&amp;"; break;
            case '<': text += "&lt;"; break;
            case '>': text += "&gt;"; break;
            case '\0': text += "\xEF\xBF\xBD"; break;
            default: text += c;
        }
    }
    out = Value::string(std::move(text));
    return true;
}

bool fn_urlquery(ExecState& s, std::vector<Value>& a, Value& out, std::string&) {
    std::string text;
    for (unsigned char c : escaper_input(a, s.data)) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            text += static_cast<char>(c);
        } else if (c == ' ') {
            text += '+';
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            text += buf;
        }
    }
    out = Value::string(std::move(text));
    return true;
}

constexpr Function k_functions[] = {
    // text/template builtins
    {"and", 1, -1, fn_and},
    {"or", 1, -1, fn_or},
    {"not", 1, 1, fn_not},
    {"eq", 1, -1, fn_eq},
    {"ne", 2, 2, fn_ne},
    {"lt", 2, 2, fn_order<is_lt>},
    {"le", 2, 2, fn_order<is_le>},
    {"gt", 2, 2, fn_order<is_gt>},
    {"ge", 2, 2, fn_order<is_ge>},
    {"len", 1, 1, fn_len},
    {"index", 1, -1, fn_index},
    {"print", 0, -1, fn_print},
    {"printf", 1, -1, fn_printf},
    {"println", 0, -1, fn_println},
    {"html", 0, -1, fn_html},
    {"urlquery", 0, -1, fn_urlquery},
    // Prometheus' template functions
    {"humanize", 1, 1, fn_humanize},
    {"humanize1024", 1, 1, fn_humanize1024},
    {"humanizeDuration", 1, 1, fn_humanize_duration},
    {"humanizePercentage", 1, 1, fn_humanize_percentage},
    {"humanizeTimestamp", 1, 1, fn_humanize_timestamp},
    {"title", 1, 1, fn_title},
    {"toUpper", 1, 1, fn_to_upper},
    {"toLower", 1, 1, fn_to_lower},
    {"match", 2, 2, fn_match},
    {"reReplaceAll", 3, 3, fn_re_replace_all},
    {"stripPort", 1, 1, fn_strip_port},
    {"stripDomain", 1, 1, fn_strip_domain},
    {"parseDuration", 1, 1, fn_parse_duration},
};

const Function* find_function(std::string_view name) {
    for (const Function& f : k_functions) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

// Go's "template: NAME:LINE:COL: executing "NAME" at <CONTEXT>: MESSAGE",
// columns counted as Prometheus' prefixed text has them.
std::string format_exec_error(const Template::Impl& t, const ExecError& e) {
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < e.pos && i < t.text.size(); ++i) {
        if (t.text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    std::size_t column = line == 1 ? k_prometheus_prefix_length + e.pos : e.pos - line_start;
    const std::string& context = e.context;
    return "error executing template " + t.name + ": template: " + t.name + ":" + std::to_string(line) + ":" +
           std::to_string(column) + ": executing \"" + t.name + "\" at <" + context + ">: " + e.message;
}

}  // namespace

std::variant<Template, TemplateError> Template::parse(std::string_view text, std::string name) {
    auto impl = std::make_shared<Impl>();
    impl->text = std::string(text);
    impl->name = std::move(name);
    Parser parser(impl->text);
    if (auto error = parser.parse(impl->root)) return *error;
    impl->constant = impl->text.find("{{") == std::string::npos;
    return Template(std::move(impl));
}

std::string Template::expand(const TemplateData& data, std::string* error) const {
    if (error != nullptr) error->clear();
    if (m_impl->constant) return m_impl->text;
    ExecState s;
    s.tmpl = m_impl.get();
    s.data = &data;
    Value root = s.root();
    s.vars = {{"$", root},
              {"$labels", Value::of_map(&data.labels)},
              {"$externalLabels", Value::of_map(&empty_labels())},
              {"$externalURL", Value::string("")},
              {"$value", Value::number(data.value)}};
    if (walk(s, m_impl->root, root)) return std::move(s.out);
    std::string message = format_exec_error(*m_impl, *s.error);
    if (error != nullptr) *error = message;
    return "<error expanding template: " + message + ">";
}

const std::string& Template::text() const { return m_impl->text; }

bool Template::is_constant() const { return m_impl->constant; }

}  // namespace tocsin::rules
