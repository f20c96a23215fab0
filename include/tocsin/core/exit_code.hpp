// Process exit codes, from sysexits(3) so systemd and scripts can tell
// "fix your config" from "the disk is broken".
#pragma once

namespace tocsin::exit_code {

inline constexpr int ok = 0;
inline constexpr int failure = 1;
inline constexpr int usage = 64;      // EX_USAGE: bad command line
inline constexpr int data_error = 65; // EX_DATAERR: database corrupt or from a newer tocsin; bad input data
inline constexpr int no_input = 66;   // EX_NOINPUT: an input file cannot be read
inline constexpr int software = 70;   // EX_SOFTWARE: internal error
inline constexpr int os_error = 71;   // EX_OSERR: cannot bind, cannot create threads
inline constexpr int io_error = 74;   // EX_IOERR: cannot open or write the database
inline constexpr int config = 78;     // EX_CONFIG: the configuration is invalid

}  // namespace tocsin::exit_code
