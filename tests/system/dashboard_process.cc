#include "dashboard_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace anneal::system_test {

using namespace std::chrono_literals;

DashboardProcess::DashboardProcess(const TempRepo& repo, const std::string& extra_args, const std::string& env)
    : m_log(repo.scratch() / "dashboard.log") {
  std::string command = "exec env ANNEAL_CONFIG_DIR='" + (repo.scratch() / "config").string() + "' " + env + " '" +
                        anneal_binary() + "' dashboard --port 0 " + extra_args;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int fd = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0 || ::chdir(repo.path().c_str()) != 0)
      ::_exit(127);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  m_pid = pid;
  static const std::regex url(R"(anneal dashboard: (http://[^ \n]+:([0-9]+)/\S*))");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string out = output();
    if (std::regex_search(out, m, url)) {
      m_url = m[1];
      m_port = std::stoi(m[2]);
      return;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      m_pid = -1;
      throw std::runtime_error("anneal dashboard exited at start: " + out);
    }
    std::this_thread::sleep_for(20ms);
  }
  stop();
  throw std::runtime_error("anneal dashboard printed no URL within 20 s: " + output());
}

DashboardProcess::~DashboardProcess() { stop(); }

std::string DashboardProcess::token() const {
  auto at = m_url.find("?token=");
  return at == std::string::npos ? "" : m_url.substr(at + 7);
}

std::string DashboardProcess::output() const {
  std::ifstream in(m_log);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int DashboardProcess::stop() {
  if (m_pid <= 0)
    return -1;
  ::kill(m_pid, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (::waitpid(m_pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  m_pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace anneal::system_test
