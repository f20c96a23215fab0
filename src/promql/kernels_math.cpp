// Instant-vector math and binary-operator arithmetic (Prometheus 2.42
// promql/functions.go and engine.go semantics, with Go's math package where
// it differs from <cmath>).
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

// Go's math.Log2: exact for powers of two, else ln(frac) / ln 2 + exp.
double go_log2(double x) {
    int exp = 0;
    double frac = std::frexp(x, &exp);
    if (std::isinf(x) || std::isnan(x)) exp = 0;
    if (frac == 0.5) return static_cast<double>(exp - 1);
    return std::log(frac) * std::numbers::log2e + static_cast<double>(exp);
}

// Go's math.Log10 is ln(x) scaled, hence log10(1000) = 2.9999999999999996.
double go_log10(double x) { return std::log(x) * std::numbers::log10e; }

double sgn(double v) {
    if (v < 0) return -1;
    if (v > 0) return 1;
    return v;  // ±0 and NaN unchanged
}

}  // namespace

double math_fn(MathFn fn, double v) {
    switch (fn) {
        case MathFn::abs:
            return std::fabs(v);
        case MathFn::ceil:
            return std::ceil(v);
        case MathFn::floor:
            return std::floor(v);
        case MathFn::exp:
            return std::exp(v);
        case MathFn::sqrt:
            return std::sqrt(v);
        case MathFn::ln:
            return std::log(v);
        case MathFn::log2:
            return go_log2(v);
        case MathFn::log10:
            return go_log10(v);
        case MathFn::sgn:
            return sgn(v);
        // Same operation order as 2.42: (v * 180) / pi and (v * pi) / 180.
        case MathFn::deg:
            return v * 180 / std::numbers::pi;
        case MathFn::rad:
            return v * std::numbers::pi / 180;
        case MathFn::sin:
            return std::sin(v);
        case MathFn::cos:
            return std::cos(v);
        case MathFn::tan:
            return std::tan(v);
        case MathFn::asin:
            return std::asin(v);
        case MathFn::acos:
            return std::acos(v);
        case MathFn::atan:
            return std::atan(v);
        case MathFn::sinh:
            return std::sinh(v);
        case MathFn::cosh:
            return std::cosh(v);
        case MathFn::tanh:
            return std::tanh(v);
        case MathFn::asinh:
            return std::asinh(v);
        case MathFn::acosh:
            return std::acosh(v);
        case MathFn::atanh:
            return std::atanh(v);
    }
    return v;
}

double round_to(double v, double to_nearest) {
    // Multiplying by the inverse is what 2.42 does (fewer surprises than
    // dividing, e.g. for 0.1).
    double inverse = 1.0 / to_nearest;
    return std::floor(v * inverse + 0.5) / inverse;
}

double go_max(double a, double b) {
    if ((std::isinf(a) && a > 0) || (std::isinf(b) && b > 0)) return std::numeric_limits<double>::infinity();
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
    if (a == 0 && a == b) return std::signbit(a) ? b : a;
    return a > b ? a : b;
}

double go_min(double a, double b) {
    if ((std::isinf(a) && a < 0) || (std::isinf(b) && b < 0)) return -std::numeric_limits<double>::infinity();
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
    if (a == 0 && a == b) return std::signbit(a) ? a : b;
    return a < b ? a : b;
}

std::optional<double> clamp(double v, double min, double max) {
    if (max < min) return std::nullopt;
    return go_max(min, go_min(max, v));
}

double clamp_min(double v, double min) { return go_max(min, v); }
double clamp_max(double v, double max) { return go_min(max, v); }

bool is_comparison(ArithOp op) {
    switch (op) {
        case ArithOp::eq:
        case ArithOp::ne:
        case ArithOp::gt:
        case ArithOp::lt:
        case ArithOp::ge:
        case ArithOp::le:
            return true;
        default:
            return false;
    }
}

namespace {

bool compare(ArithOp op, double lhs, double rhs) {
    switch (op) {
        case ArithOp::eq:
            return lhs == rhs;
        case ArithOp::ne:
            return lhs != rhs;
        case ArithOp::gt:
            return lhs > rhs;
        case ArithOp::lt:
            return lhs < rhs;
        case ArithOp::ge:
            return lhs >= rhs;
        case ArithOp::le:
            return lhs <= rhs;
        default:
            return false;
    }
}

double arith(ArithOp op, double lhs, double rhs) {
    switch (op) {
        case ArithOp::add:
            return lhs + rhs;
        case ArithOp::sub:
            return lhs - rhs;
        case ArithOp::mul:
            return lhs * rhs;
        case ArithOp::div:
            return lhs / rhs;
        // fmod and Go's math.Mod agree exactly, special cases included (both
        // are exact and take the dividend's sign).
        case ArithOp::mod:
            return std::fmod(lhs, rhs);
        case ArithOp::pow:
            return std::pow(lhs, rhs);
        case ArithOp::atan2:
            return std::atan2(lhs, rhs);
        default:
            return 0;
    }
}

}  // namespace

double binary_arith(ArithOp op, double lhs, double rhs) {
    if (is_comparison(op)) return compare(op, lhs, rhs) ? 1 : 0;
    return arith(op, lhs, rhs);
}

ElemResult vector_elem_binop(ArithOp op, double lhs, double rhs) {
    if (is_comparison(op)) return {lhs, compare(op, lhs, rhs)};
    return {arith(op, lhs, rhs), true};
}

std::optional<double> vector_scalar_binop(ArithOp op, double vector_value, double scalar, bool scalar_on_left,
                                          bool return_bool) {
    double lhs = scalar_on_left ? scalar : vector_value;
    double rhs = scalar_on_left ? vector_value : scalar;
    ElemResult r = vector_elem_binop(op, lhs, rhs);
    // A comparison filters the vector; its element keeps its own value
    // whichever side it was written on.
    if (is_comparison(op) && scalar_on_left) r.value = vector_value;
    if (return_bool) return r.keep ? 1.0 : 0.0;
    if (!r.keep) return std::nullopt;
    return r.value;
}

}  // namespace tocsin::promql::kernels
