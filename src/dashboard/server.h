#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dashboard/event_hub.h"
#include "dashboard/ledger_watch.h"
#include "util/error.h"

namespace httplib {
class Server;
}

namespace anneal::dashboard {

/// What an API route answers: an HTTP status and a JSON body.
struct ApiAnswer {
  int status = 200;
  std::string body;
};

/// The API's answers, produced by the same code as the commands' --json (cli/listing_json.h).
struct DashboardApi {
  std::function<ApiAnswer()> status;                           ///< GET /api/status
  std::function<ApiAnswer(const std::string& target)> history;  ///< GET /api/targets/NAME/history
  std::function<ApiAnswer(const std::string& key)> experiment;  ///< GET /api/experiments/KEY
  std::function<bool(const std::string& target)> has_target;    ///< GET /targets/NAME serves the page
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                   ///< 0: any free port
  std::optional<std::string> token;  ///< required on every request when set
  std::filesystem::path targets_dir; ///< .anneal/targets, where the ledgers are watched
  LedgerWatch::Shape shape;          ///< a ledger record as the events carry it
  std::chrono::milliseconds poll{200};
};

/// The dashboard's HTTP server: the page, its assets, the API and GET /events, with the
/// ledger watcher feeding the events. Every call into anneal's readers (the API, the
/// watcher) holds one mutex: they were written for one thread.
class DashboardServer {
 public:
  DashboardServer(ServerOptions options, DashboardApi api);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  /// Binds the address; returns the port (the one chosen, for port 0).
  Result<int> bind();
  /// Serves and watches until stop(); call after bind().
  void run();
  /// Stops run() (from another thread or a signal-watching loop).
  void stop();

 private:
  void routes();
  std::mutex m_library;
  ServerOptions m_options;
  DashboardApi m_api;
  EventHub m_hub;
  std::unique_ptr<httplib::Server> m_server;
  std::atomic<int> m_streams{0};
  std::atomic<bool> m_stopping{false};
  int m_port = 0;
};

}  // namespace anneal::dashboard
