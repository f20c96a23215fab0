// The console channel ([channel.console]): a sink that prints each page as
// the email and the Telegram message would carry it — subject, text, the
// acknowledgement link and the buttons — to standard output or a file. The
// embedded demo pages through it; operators use it for dry runs. A write
// that fails is a retry, like any channel's transient failure.
#pragma once

#include <cstdint>
#include <string>

#include "tocsin/core/clock.hpp"
#include "tocsin/notify/channel.hpp"

namespace tocsin::notify::console {

class ConsoleChannel final : public Channel {
public:
    // path "-": standard output; else the file is appended to (created 0600).
    ConsoleChannel(std::string path, const Clock& clock);

    const std::string& name() const override { return m_name; }
    void deliver(const std::string& recipient, const Notification& notification,
                 std::function<void(DeliveryResult)> done) override;

    // The block deliver() writes.
    static std::string render(const std::string& recipient, const Notification& notification, TimePoint at);

private:
    std::string m_name = "console";
    std::string m_path;
    const Clock& m_clock;
    std::uint64_t m_count = 0;
};

}  // namespace tocsin::notify::console
