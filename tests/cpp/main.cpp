// doctest's main for the C++ test executable (one test file per module beside it), plus what
// CTest needs to tell a skip from a pass: ntrun::test::skip_without() for test cases that need
// hardware the machine may lack (exit code 77, CTest's SKIP_RETURN_CODE for their entries),
// and a failure when the filters of an entry select no test case at all.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ntrun::test {

namespace {

bool g_skipped = false;    // a test case ran without what it checks
bool g_run_ended = false;  // the run got as far as test_run_end (not --help, --list-*)
int g_selected_cases = 0;  // test cases that passed the command line's filters

// Names listed in NTRUN_TEST_WITHOUT (comma separated): hardware to treat as absent, so the
// skip path is checked on a machine that has it.
bool hidden(std::string_view name) {
  const char* env = std::getenv("NTRUN_TEST_WITHOUT");
  if (env == nullptr) return false;
  std::string_view list = env;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (list.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Only test_run_end matters: it carries the number of test cases the filters selected.
struct run_counter : doctest::IReporter {
  explicit run_counter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_run_ended = true;
    g_selected_cases = static_cast<int>(stats.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

/// For a test case that needs `name` ("avx512", "cuda-device", "no-cuda-device"): returns
/// true, after a message and marking the run as skipped, when `present` is false or
/// NTRUN_TEST_WITHOUT lists `name`; the caller then returns. Such cases sit in the doctest
/// suite of the same name, which gets its own CTest entry (tests/CMakeLists.txt): a skip makes
/// the whole run exit 77.
bool skip_without(std::string_view name, bool present) {
  if (present && !hidden(name)) return false;
  g_skipped = true;
  // std::string, not const char*: doctest prints a char pointer as an address.
  const std::string why = present ? "hidden by NTRUN_TEST_WITHOUT" : "not on this machine";
  MESSAGE("skipped: needs " << std::string(name) << ", " << why);
  return true;
}

}  // namespace ntrun::test

DOCTEST_REGISTER_LISTENER("ntrun_run_counter", 1, ntrun::test::run_counter);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || !ntrun::test::g_run_ended) return result;
  if (ntrun::test::g_selected_cases == 0) {
    std::fputs(
        "ntrun_tests: no test case matches the filters (a CTest entry that checks nothing)\n",
        stderr);
    return 1;
  }
  if (result == 0 && ntrun::test::g_skipped) return 77;
  return result;
}
