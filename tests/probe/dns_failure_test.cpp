// A name that does not resolve, through the real system resolver, without
// sending a single packet off the machine: a forked child enters its own
// network namespace (only a loopback interface) and mount namespace, where
// /etc/resolv.conf names 127.0.0.1 and nothing listens on port 53. The probe
// in the child must fail with reason "dns". Needs root (unshare); skipped
// with a message where the kernel or container refuses namespaces.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "tocsin/probe/http_probe.hpp"

using namespace std::chrono_literals;

namespace {

// Child exit codes: what happened, for the parent to assert on.
constexpr int k_dns = 10, k_other_reason = 11, k_succeeded = 12, k_no_namespace = 20, k_no_mount = 21;

[[noreturn]] void child(const std::string& resolv_conf) {
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) ::_exit(k_no_namespace);
    // Keep the bind mount inside this namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(k_no_mount);
    if (::mount(resolv_conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) ::_exit(k_no_mount);
    tocsin::config::TargetConfig target;
    target.name = "unresolvable";
    target.url = "http://tocsin-test-no-such-host.invalid:8080/healthz";
    target.timeout = 3s;
    auto probe = tocsin::probe::Probe::create(target);
    if (!probe.ok()) ::_exit(k_other_reason);
    boost::asio::io_context io;
    tocsin::probe::ProbeOutcome out;
    (*probe)->run(io, [&](tocsin::probe::ProbeOutcome o) { out = std::move(o); });
    io.run();
    if (out.success) ::_exit(k_succeeded);
    ::_exit(out.reason == "dns" ? k_dns : k_other_reason);
}

}  // namespace

TEST(ProbeDns, AnUnresolvableNameFailsWithReasonDns) {
    tocsin::test::TempDir dir;
    const std::string resolv_conf = dir.path() + "/resolv.conf";
    std::ofstream(resolv_conf) << "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) child(resolv_conf);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child crashed";
    const int code = WEXITSTATUS(status);
    if (code == k_no_namespace || code == k_no_mount) {
        GTEST_SKIP() << "cannot create a private network and mount namespace here (needs root and unshare)";
    }
    EXPECT_EQ(code, k_dns) << (code == k_succeeded ? "the name resolved" : "the probe failed for another reason");
}
