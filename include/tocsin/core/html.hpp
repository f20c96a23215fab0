// Text into HTML, for the pages tocsin serves itself (acknowledgement
// links, the status page).
#pragma once

#include <string>
#include <string_view>

namespace tocsin {

// Escapes & < > " ' for element content and quoted attribute values alike;
// NUL becomes U+FFFD, as a browser would show it.
std::string escape_html(std::string_view text);

}  // namespace tocsin
