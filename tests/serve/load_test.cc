// Load on loopback, bounded in count and time: 64 concurrent streaming clients against an in-process server,
// a quarter of them hanging up after a few chunks. The server must keep serving, finish every other stream
// with [DONE], and end with no request in flight and every KV block back (CI runs this under ASan + LSan).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "serve/engine.h"
#include "serve/http/http_server.h"

namespace chunkwise::serve {
namespace {

namespace fs = std::filesystem;

const fs::path kModelDir = fs::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models" / "llama-gqa" / "tf5";

TEST(ServeLoad, SixtyFourStreamsWithAQuarterHangingUp) {
  const model::DecoderModel model = model::DecoderModel::load(kModelDir);
  const text::Tokenizer tokenizer = text::Tokenizer::load(kModelDir);
  EngineOptions options;
  options.num_blocks = 128;  // less than 64 streams at once need: some wait or get preempted
  options.block_size = 8;
  options.scheduler.max_num_seqs = 16;
  Engine engine(model, tokenizer, options);
  engine.start();
  http::ServerOptions server_options;
  server_options.port = 0;
  server_options.model_name = "tiny";
  server_options.threads = 72;
  http::HttpServer server(engine, nullptr, server_options);
  const int port = server.bind();
  std::thread listener([&] { server.listen(); });

  constexpr int kClients = 64;
  std::atomic<int> completed{0}, hung_up{0}, failed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(120, 0);
      const bool hang_up = i % 4 == 0;
      std::mt19937 rng{static_cast<uint32_t>(i)};
      const int hang_up_after = 1 + int(rng() % 4);
      const nlohmann::json body = {{"prompt", "client " + std::to_string(i) + " asks for a story"},
                                   {"max_tokens", 40},
                                   {"ignore_eos", true},
                                   {"temperature", 0.8},
                                   {"seed", i},
                                   {"stream", true}};
      std::string received;
      int chunks = 0;
      httplib::Request req;
      req.method = "POST";
      req.path = "/v1/completions";
      req.body = body.dump();
      req.set_header("Content-Type", "application/json");
      req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
        received.append(data, size);
        return !(hang_up && ++chunks >= hang_up_after);
      };
      const auto res = client.send(req);
      if (hang_up)
        ++hung_up;
      else if (res && res->status == 200 && received.find("data: [DONE]") != std::string::npos &&
               received.find("\"finish_reason\":\"length\"") != std::string::npos)
        ++completed;
      else {
        ++failed;
        ADD_FAILURE() << "client " << i << ": "
                      << (res ? std::to_string(res->status) : httplib::to_string(res.error())) << " "
                      << received.substr(0, 300);
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(completed.load(), kClients - kClients / 4);
  EXPECT_EQ(hung_up.load(), kClients / 4);
  EXPECT_EQ(failed.load(), 0);

  // Hung-up streams are cancelled when the server next writes to them; wait for the engine to drain.
  EngineCounters counters;
  for (int i = 0; i < 600; ++i) {
    counters = engine.counters();
    if (counters.running + counters.waiting == 0 &&
        counters.requests_finished + counters.requests_cancelled == kClients)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(counters.running + counters.waiting, 0);
  EXPECT_EQ(counters.kv_blocks_used, 0);
  EXPECT_EQ(counters.requests_finished + counters.requests_cancelled, kClients);
  EXPECT_GE(counters.requests_cancelled, 1);
  EXPECT_EQ(counters.requests_failed, 0);

  // Still serving.
  httplib::Client client("127.0.0.1", port);
  const auto res =
      client.Post("/v1/completions", R"({"prompt": "after the storm", "max_tokens": 4})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  server.stop();
  listener.join();
  engine.stop();
}

}  // namespace
}  // namespace chunkwise::serve

namespace chunkwise::serve {
namespace {

// A non-streaming request whose client gives up: the server's whitespace heartbeats notice and cancel it.
// The engine is not running while the client waits, so the answer cannot come first.
TEST(ServeDisconnect, NonStreamingRequestIsCancelledWhenTheClientLeaves) {
  const model::DecoderModel model = model::DecoderModel::load(kModelDir);
  const text::Tokenizer tokenizer = text::Tokenizer::load(kModelDir);
  EngineOptions options;
  options.num_blocks = 32;
  Engine engine(model, tokenizer, options);  // not started
  http::ServerOptions server_options;
  server_options.port = 0;
  server_options.model_name = "tiny";
  server_options.heartbeat_ms = 20;
  http::HttpServer server(engine, nullptr, server_options);
  const int port = server.bind();
  std::thread listener([&] { server.listen(); });

  {
    httplib::Client client("127.0.0.1", port);
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = R"({"prompt": "waiting", "max_tokens": 200, "ignore_eos": true})";
    req.set_header("Content-Type", "application/json");
    std::string received;
    req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      received.append(data, size);
      return false;  // the first heartbeat arrived: hang up
    };
    client.send(req);
    EXPECT_EQ(received.find_first_not_of(' '), std::string::npos) << received;  // only heartbeats
  }
  // The next heartbeats fail and cancel the request. The engine, stepped slowly here (one token every 20 ms,
  // 200 wanted), drops it at its next step: it must end cancelled, long before it could finish.
  EngineCounters counters;
  for (int i = 0; i < 300 && counters.requests_cancelled + counters.requests_finished == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    engine.step();
    counters = engine.counters();
  }
  EXPECT_EQ(counters.requests_cancelled, 1);
  EXPECT_EQ(counters.requests_finished, 0);
  EXPECT_LT(counters.generation_tokens, 200);
  EXPECT_EQ(counters.kv_blocks_used, 0);

  // A quick answer is still a plain response, and a slow one a chunked JSON object with leading spaces.
  engine.start();
  httplib::Client patient("127.0.0.1", port);
  const auto ok =
      patient.Post("/v1/completions", R"({"prompt": "fine", "max_tokens": 4})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok->body)["usage"]["completion_tokens"], 4);
  server.stop();
  listener.join();
  engine.stop();
}

}  // namespace
}  // namespace chunkwise::serve
