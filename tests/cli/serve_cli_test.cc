// `chunkwise serve` end to end, the way a client sees it: a server process on a free loopback port, HTTP
// requests (cpp-httplib's client), and the answers compared with `chunkwise generate` for the same prompt.
// Covers auth, the OpenAI response and SSE shapes, usage with cached tokens, errors with their status codes,
// /metrics, a client that disconnects mid-stream (its blocks come back), and a clean exit on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "cli/cli_runner.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kModel = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/llama-gqa/tf5";
const char* kKey = "sk-test-key";

// A `chunkwise serve` child process on a free port; killed (SIGTERM, then SIGKILL) at the end.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& extra_args) {
    log_ = fs::temp_directory_path() /
           ("chunkwise-serve-" + std::to_string(getpid()) + "-" + std::to_string(counter_++) + ".log");
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 2);
      dup2(fd, 1);
      const std::string command = std::string("exec ") + CHUNKWISE_BINARY + " serve --model " + kModel +
                                  " --port 0 --threads 2 " + extra_args;
      execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
      _exit(127);
    }
    // The port is in the first line on stderr.
    const std::regex listening(R"(on http://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::ifstream in(log_);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::smatch m;
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      int status = 0;
      if (port_ == 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "the server exited: " << text;
        return;
      }
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove(log_);
  }
  int port() const { return port_; }
  httplib::Client client(bool with_key = true) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    if (with_key) c.set_default_headers({{"Authorization", std::string("Bearer ") + kKey}});
    return c;
  }
  // SIGTERM; returns the exit status (-1 if it did not exit within 30 s).
  int terminate() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 600; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  fs::path log_;
};

ServerProcess& shared_server() {
  static ServerProcess server(std::string("--api-key ") + kKey + " --max-body-mb 1 --block-size 4");
  return server;
}

json post(const ServerProcess& server, const std::string& path, const json& body, int expected_status) {
  auto res = server.client().Post(path, body.dump(), "application/json");
  EXPECT_TRUE(res) << "no response";
  if (!res) return {};
  EXPECT_EQ(res->status, expected_status) << res->body;
  return json::parse(res->body);
}

// The "data: " events of an SSE body.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> events;
  size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    const size_t end = body.find("\n\n", at);
    events.push_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return events;
}

double metric(const std::string& text, const std::string& name) {
  const std::regex line("(^|\n)" + std::regex_replace(name, std::regex(R"([{}\"=:])"), R"(\$&)") +
                        R"( ([0-9.e+-]+))");
  std::smatch m;
  if (!std::regex_search(text, m, line)) return -1;
  return std::stod(m[2]);
}

TEST(Serve, AuthIsRequiredExceptForHealth) {
  ServerProcess& server = shared_server();
  ASSERT_GT(server.port(), 0);
  auto health = server.client(false).Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto anonymous = server.client(false).Get("/v1/models");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(json::parse(anonymous->body)["error"]["code"], "invalid_api_key");
  httplib::Client wrong("127.0.0.1", server.port());
  wrong.set_default_headers({{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.Get("/v1/models")->status, 401);
  EXPECT_EQ(wrong.Get("/metrics")->status, 401);
  auto models = server.client().Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  const json list = json::parse(models->body);
  EXPECT_EQ(list["data"][0]["id"], "tf5");  // the directory's name
}

TEST(Serve, ChatCompletionEqualsGenerateCommand) {
  ServerProcess& server = shared_server();
  const json messages = json::array({{{"role", "user"}, {"content", "Package: curl"}}});
  const fs::path chat_file = fs::temp_directory_path() / "chunkwise-serve-chat.json";
  std::ofstream(chat_file) << json{{"messages", messages}}.dump();
  const CliResult generated = run_chunkwise("generate --model " + kModel + " --chat " + chat_file.string() +
                                            " --max-tokens 12 --temperature 0 --ignore-eos --json");
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const json expected = json::parse(generated.out);
  const json response = post(server, "/v1/chat/completions",
                             {{"model", "tf5"},
                              {"messages", messages},
                              {"max_tokens", 12},
                              {"temperature", 0},
                              {"ignore_eos", true}},
                             200);
  EXPECT_EQ(response["object"], "chat.completion");
  EXPECT_EQ(response["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(response["choices"][0]["message"]["content"], expected["text"]);
  EXPECT_EQ(response["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(response["usage"]["completion_tokens"], 12);
  EXPECT_EQ(response["usage"]["prompt_tokens"], expected["usage"]["prompt_tokens"]);
  fs::remove(chat_file);
  // Logprobs: one entry per token; greedy, so the chosen token is the most likely one.
  const json with_logprobs = post(server, "/v1/chat/completions",
                                  {{"messages", messages},
                                   {"max_tokens", 4},
                                   {"temperature", 0},
                                   {"ignore_eos", true},
                                   {"logprobs", true},
                                   {"top_logprobs", 2}},
                                  200);
  const json& content = with_logprobs["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), 4u);
  for (const json& token : content) {
    ASSERT_EQ(token["top_logprobs"].size(), 2u);
    EXPECT_EQ(token["top_logprobs"][0]["token"], token["token"]);
    EXPECT_LE(token["logprob"].get<double>(), 0.0);
    EXPECT_GE(token["logprob"].get<double>(), token["top_logprobs"][1]["logprob"].get<double>());
  }
}

TEST(Serve, StreamingDeltasAddUpToTheWholeAnswer) {
  ServerProcess& server = shared_server();
  const json request = {
      {"prompt", "The quick brown fox"}, {"max_tokens", 10}, {"temperature", 0}, {"ignore_eos", true}};
  const json whole = post(server, "/v1/completions", request, 200);
  json streaming = request;
  streaming["stream"] = true;
  streaming["stream_options"] = {{"include_usage", true}};
  auto res = server.client().Post("/v1/completions", streaming.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  const auto events = sse_events(res->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  std::string finish;
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    const json chunk = json::parse(events[i]);
    EXPECT_EQ(chunk["object"], "text_completion");
    text += chunk["choices"][0]["text"].get<std::string>();
    if (!chunk["choices"][0]["finish_reason"].is_null()) finish = chunk["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text, whole["choices"][0]["text"]);
  EXPECT_EQ(finish, "length");
  const json usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 10);
}

TEST(Serve, StopStringsEndTheAnswerBeforeTheMatch) {
  ServerProcess& server = shared_server();
  const json request = {
      {"prompt", "The quick brown fox"}, {"max_tokens", 12}, {"temperature", 0}, {"ignore_eos", true}};
  const std::string whole = post(server, "/v1/completions", request, 200)["choices"][0]["text"];
  ASSERT_GE(whole.size(), 6u);
  const std::string stop = whole.substr(whole.size() / 2, 2);
  json with_stop = request;
  with_stop["stop"] = json::array({stop});
  const json stopped = post(server, "/v1/completions", with_stop, 200);
  EXPECT_EQ(stopped["choices"][0]["text"], whole.substr(0, whole.find(stop)));
  EXPECT_EQ(stopped["choices"][0]["finish_reason"], "stop");
}

TEST(Serve, RepeatedPromptsReportCachedTokens) {
  ServerProcess& server = shared_server();
  const json request = {
      {"prompt", "A prompt long enough to fill a few blocks of four tokens each, and then some."},
      {"max_tokens", 2}};
  const json first = post(server, "/v1/completions", request, 200);
  const json second = post(server, "/v1/completions", request, 200);
  const int64_t prompt_tokens = first["usage"]["prompt_tokens"];
  EXPECT_EQ(second["usage"]["prompt_tokens_details"]["cached_tokens"], (prompt_tokens - 1) / 4 * 4);
}

TEST(Serve, MalformedRequestsGetOpenAIErrors) {
  ServerProcess& server = shared_server();
  auto c = server.client();
  auto bad_json = c.Post("/v1/chat/completions", "{not json", "application/json");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_EQ(json::parse(bad_json->body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(post(server, "/v1/completions", {{"prompt", "x"}, {"max_tokens", "ten"}}, 400)["error"]["param"],
            "max_tokens");
  EXPECT_EQ(post(server, "/v1/completions", {{"prompt", "x"}, {"temperature", 3}}, 400)["error"]["param"],
            "temperature");
  EXPECT_EQ(post(server, "/v1/completions", {{"prompt", "x"}, {"n", 2}}, 400)["error"]["param"], "n");
  EXPECT_EQ(post(server, "/v1/chat/completions", {{"messages", "hi"}}, 400)["error"]["param"], "messages");
  EXPECT_EQ(post(server, "/v1/completions", {{"prompt", "x"}, {"model", "gpt-4o"}}, 404)["error"]["code"],
            "model_not_found");
  EXPECT_EQ(post(server, "/v1/completions", {{"prompt", json::array({1, 2, 100000})}}, 400)["error"]["type"],
            "invalid_request_error");
  const json too_long = post(server, "/v1/completions", {{"prompt", "x"}, {"max_tokens", 1000000}}, 400);
  EXPECT_NE(too_long["error"]["message"].get<std::string>().find("maximum context length"),
            std::string::npos);
  auto huge =
      c.Post("/v1/completions", json{{"prompt", std::string(2 << 20, 'a')}}.dump(), "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  auto no_route = c.Get("/v1/nothing");
  ASSERT_TRUE(no_route);
  EXPECT_EQ(no_route->status, 404);
  EXPECT_TRUE(json::parse(no_route->body).contains("error"));
  EXPECT_EQ(post(server, "/v1/embeddings", {{"input", "x"}}, 404)["error"]["code"], "model_not_found");
}

TEST(Serve, DisconnectedStreamFreesItsBlocksAndMetricsSayWhatHappened) {
  ServerProcess& server = shared_server();
  auto metrics_text = [&] { return server.client().Get("/metrics")->body; };
  EXPECT_EQ(server.client(false).Get("/v1/models")->status, 401);  // counted by status below
  const double cancelled_before = metric(metrics_text(), "chunkwise:request_total{outcome=\"cancelled\"}");
  {
    httplib::Client c("127.0.0.1", server.port());
    c.set_default_headers({{"Authorization", std::string("Bearer ") + kKey}});
    int chunks = 0;
    const json request = {
        {"prompt", "Stream until I hang up"}, {"max_tokens", 200}, {"stream", true}, {"ignore_eos", true}};
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = request.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 3; };
    c.send(req);  // returns once the receiver said stop: the connection is closed
    EXPECT_GE(chunks, 3);
  }
  std::string text;
  for (int i = 0; i < 200; ++i) {  // the engine notices on its next write
    text = metrics_text();
    if (metric(text, "chunkwise:request_total{outcome=\"cancelled\"}") > cancelled_before &&
        metric(text, "chunkwise:num_requests_running") == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(metric(text, "chunkwise:request_total{outcome=\"cancelled\"}"), cancelled_before + 1);
  EXPECT_EQ(metric(text, "chunkwise:kv_cache_blocks_used"), 0);
  EXPECT_GT(metric(text, "chunkwise:generation_tokens_total"), 0);
  EXPECT_GT(metric(text, "chunkwise:time_to_first_token_seconds_count"), 0);
  EXPECT_NE(text.find("chunkwise:http_responses_total{status=\"401\"}"), std::string::npos);
}

// The official openai npm package and LangChain.js, unchanged, against the server (openai_sdk_client.mjs).
TEST(Serve, OpenAIAndLangChainClientsWorkUnchanged) {
  const std::string embedder = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/qwen3-embedder/tf5";
  ServerProcess server(std::string("--api-key ") + kKey +
                       " --served-model-name tiny-chat --embedding-model " + embedder);
  ASSERT_GT(server.port(), 0);
  const std::string script = std::string(CHUNKWISE_SOURCE_DIR) + "/tests/cli/openai_sdk_client.mjs";
  const std::string command = "node " + script + " " + CHUNKWISE_REFERENCE_DIR + " " +
                              std::to_string(server.port()) + " " + kKey + " tiny-chat tf5 64 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output << "\n(needs scripts/install-deps.sh --reference for the npm packages)";
  EXPECT_NE(output.find("all checks passed"), std::string::npos) << output;
}

// Documents over HTTP into a fresh catalog, then /v1/rag/query (plain and streamed) answers from them.
TEST(Serve, DocumentsAndRagQuery) {
  const fs::path db = fs::temp_directory_path() / ("chunkwise-serve-rag-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  {
    ServerProcess server("--db " + db.string());
    ASSERT_GT(server.port(), 0);
    auto c = server.client(false);
    for (const auto& [name, text] :
         {std::pair{"curl.txt", "Package: curl\nSummary: command line tool for URLs\n"},
          std::pair{"zstd.md", "# zstd\n\nPackage: zstd\nSummary: fast lossless compression\n"}}) {
      auto res = c.Post("/v1/documents", json{{"name", name}, {"content", text}}.dump(), "application/json");
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 201) << res->body;
      EXPECT_EQ(json::parse(res->body)["status"], "added");
    }
    httplib::MultipartFormDataItems items = {
        {"file", "Package: rsync\nSummary: file-copying tool\n", "rsync.txt", "text/plain"}};
    auto uploaded = c.Post("/v1/documents", items);
    ASSERT_TRUE(uploaded);
    EXPECT_EQ(uploaded->status, 201) << uploaded->body;
    auto again =
        c.Post("/v1/documents",
               json{{"name", "curl.txt"}, {"content", "Package: curl\nSummary: command line tool for URLs\n"}}
                   .dump(),
               "application/json");
    EXPECT_EQ(json::parse(again->body)["status"], "unchanged");
    const json list = json::parse(c.Get("/v1/documents")->body);
    ASSERT_EQ(list["data"].size(), 3u);

    const json answer = post(server, "/v1/rag/query",
                             {{"question", "lossless compression"}, {"top_k", 2}, {"max_tokens", 6}}, 200);
    EXPECT_EQ(answer["object"], "rag.answer");
    ASSERT_GE(answer["sources"].size(), 1u);
    EXPECT_EQ(answer["sources"][0]["path"], "zstd.md");
    EXPECT_EQ(answer["sources"][0]["headings"], json::array({"zstd"}));
    EXPECT_EQ(answer["sources"][0]["number"], 1);
    EXPECT_TRUE(answer["sources"][0].contains("cited"));
    EXPECT_EQ(answer["usage"]["completion_tokens"], 6);

    auto streamed = c.Post(
        "/v1/rag/query",
        json{{"question", "lossless compression"}, {"top_k", 2}, {"max_tokens", 6}, {"stream", true}}.dump(),
        "application/json");
    ASSERT_TRUE(streamed);
    const auto events = sse_events(streamed->body);
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(json::parse(events[0])["object"], "rag.sources");
    EXPECT_EQ(json::parse(events[0])["sources"], [&] {  // same sources, without "cited"
      json s = answer["sources"];
      for (auto& source : s) source.erase("cited");
      return s;
    }());
    std::string text;
    for (size_t i = 1; i + 1 < events.size(); ++i) text += json::parse(events[i])["delta"].get<std::string>();
    EXPECT_EQ(text, answer["answer"]);
    EXPECT_EQ(json::parse(events[events.size() - 2])["citations"], answer["citations"]);
    EXPECT_EQ(events.back(), "[DONE]");

    // Filters and the token budget narrow what is retrieved.
    const json filtered =
        post(server, "/v1/rag/query",
             {{"question", "tool"}, {"filters", {{"path", "curl*"}}}, {"max_tokens", 2}}, 200);
    ASSERT_EQ(filtered["sources"].size(), 1u);
    EXPECT_EQ(filtered["sources"][0]["path"], "curl.txt");
    const json budgeted = post(server, "/v1/rag/query",
                               {{"question", "tool"}, {"top_k", 3}, {"budget", 8}, {"max_tokens", 2}}, 200);
    EXPECT_LE(budgeted["sources"].size(), 1u);  // each document is one chunk of 7-8 words
    EXPECT_EQ(post(server, "/v1/rag/query", {{"question", "x"}, {"filters", "curl"}}, 400)["error"]["param"],
              "filters");
    EXPECT_EQ(post(server, "/v1/rag/query", {{"question", ""}}, 400)["error"]["param"], "question");
    EXPECT_EQ(post(server, "/v1/rag/query", {{"question", "x"}, {"select", "nope"}}, 400)["error"]["param"],
              "select");
    const int64_t id = list["data"][0]["id"];
    EXPECT_EQ(c.Delete("/v1/documents/" + std::to_string(id))->status, 200);
    EXPECT_EQ(c.Delete("/v1/documents/" + std::to_string(id))->status, 404);
    EXPECT_EQ(json::parse(c.Get("/v1/documents")->body)["data"].size(), 2u);
    EXPECT_EQ(post(server, "/v1/documents", {{"name", "empty.txt"}, {"content", ""}}, 400)["error"]["type"],
              "invalid_request_error");
  }
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
  // Without --db the routes say how to get them.
  const json missing = post(shared_server(), "/v1/rag/query", {{"question", "x"}}, 404);
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("--db"), std::string::npos);
}

TEST(Serve, StopsCleanlyOnSigterm) {
  ServerProcess server("");
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.client(false).Get("/health")->status, 200);  // no key configured: open
  EXPECT_EQ(server.terminate(), 0);
}

TEST(Serve, RefusesABadModelDirectory) {
  const CliResult result = run_chunkwise("serve --model /nonexistent/model --port 0");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/model"), std::string::npos);
}

}  // namespace
}  // namespace chunkwise::testing
