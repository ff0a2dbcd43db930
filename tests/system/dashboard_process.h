// `anneal dashboard` run in the background of a system test, on a free port.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "harness.h"

namespace anneal::system_test {

/// Starts `anneal dashboard --port 0 EXTRA` in `repo` (with `env`, "NAME=VALUE …", in its
/// environment) and waits for the URL it prints. It dies with the test process (PDEATHSIG);
/// the destructor stops it (SIGTERM, then SIGKILL).
class DashboardProcess {
 public:
  DashboardProcess(const TempRepo& repo, const std::string& extra_args = "", const std::string& env = "");
  ~DashboardProcess();
  DashboardProcess(const DashboardProcess&) = delete;
  DashboardProcess& operator=(const DashboardProcess&) = delete;

  /// What it printed first: "http://127.0.0.1:PORT/" (with "?token=…" off loopback).
  const std::string& printed_url() const { return m_url; }
  /// "http://127.0.0.1:PORT": where a client on this machine reaches it.
  std::string base() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int port() const { return m_port; }
  /// The token in the printed URL; empty on loopback.
  std::string token() const;
  /// Everything it printed so far (stdout and stderr).
  std::string output() const;
  /// Sends SIGTERM and waits; its exit status (128 + signal when a signal ended it).
  int stop();

 private:
  std::filesystem::path m_log;
  std::string m_url;
  int m_port = 0;
  pid_t m_pid = -1;
};

}  // namespace anneal::system_test
