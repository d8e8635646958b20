// Retrieval benchmarks; results as JSON lines on stdout (bench/retrieve/retrieve_eval.sh drives them).
//
//   retrieve_bench hnsw DIR COUNT DIMENSION QUERIES [CLUSTERS]
//     A catalog in DIR with COUNT one-word chunks and random unit vectors: uniform on the sphere (the hardest
//     case for HNSW), or with CLUSTERS > 0 around that many random centres (each vector = centre + noise of
//     norm about 0.5, normalized; queries drawn the same way), closer to real embeddings; then: writing the
//     embeddings, building + saving the index, loading it, and QUERIES nearest-10 queries (p50/p90 latency,
//     recall@10 against brute force) at several ef.
//
//   retrieve_bench eval DB MODEL_DIR POOLING QUERIES BUDGET
//     Retrieval quality on an ingested and embedded catalog (see retrieve_eval.sh). Queries are derived
//     mechanically from the catalog: every level-2 heading (the second entry of a chunk's headings path)
//     that occurs in exactly one document is a query (backticks and a "Class: " prefix removed), and the
//     chunks of that section (same document, same level-2 heading) are its relevant chunks; QUERIES of them
//     are taken evenly spread. Per mode (bm25, dense, hybrid; top 10): recall@10 (a relevant chunk among the
//     10), MRR@10, context tokens of the 10, p50 latency including the query's embedding. Per selector on
//     hybrid candidates (50) under a token budget of BUDGET: recall, MRR and tokens of the selection.
//
//   retrieve_bench chunkers DB QUERIES BUDGET
//     Chunkers compared on one corpus (see chunker_eval.sh: the same files ingested once per chunker). The
//     judgments come from the source documents, not from the chunks, so that every chunker answers the same
//     queries: each level-2 Markdown heading that occurs in one document only is a query (as above), its
//     section runs to the next heading of level 1 or 2, and a chunk is relevant when at least half of its
//     bytes lie in the section or it holds at least half of the section. BM25 top 10, then each selector on
//     50 BM25 candidates under BUDGET tokens (similarity between chunks: word-set Jaccard, no embeddings):
//     recall@10, MRR@10 and context tokens, plus the chunker's chunk count and mean tokens per chunk.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "ingest/document_text.h"
#include "ingest/text_file.h"
#include "model/embedder.h"
#include "retrieve/chunk_embedding.h"
#include "retrieve/search.h"
#include "store/catalog.h"
#include "store/embeddings.h"
#include "store/vector_index.h"
#include "text/chunk/token_chunker.h"

namespace {

using namespace chunkwise;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

std::vector<float> random_unit(std::mt19937& random, size_t dimension) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dimension);
  double norm = 0;
  for (float& x : v) x = normal(random), norm += double(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

int run_hnsw(const fs::path& dir, size_t count, size_t dimension, size_t queries, size_t clusters) {
  fs::create_directories(dir);
  const fs::path db = dir / "hnsw-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  for (const fs::path& file : store::vector_index_files(db)) fs::remove(file);
  store::Catalog catalog(db);
  std::string text;
  for (size_t i = 0; i < count; ++i) text += fmt::format("w{} ", i);
  const std::vector<text::Chunk> chunks = text::TokenChunker(1, 0).chunk(text);
  {
    auto transaction = catalog.begin_write();
    catalog.put_document({"/bench/words.txt", store::content_hash(text), 1, 1, "token 1", text, &chunks});
    transaction.commit();
  }
  const store::EmbeddingModel model =
      store::register_embedding_model(catalog, "synthetic", "/synthetic", static_cast<int64_t>(dimension));
  std::mt19937 random(42);
  std::vector<std::vector<float>> centres;
  for (size_t c = 0; c < clusters; ++c) centres.push_back(random_unit(random, dimension));
  auto draw = [&] {
    if (centres.empty()) return random_unit(random, dimension);
    std::vector<float> v = centres[std::uniform_int_distribution<size_t>(0, centres.size() - 1)(random)];
    const std::vector<float> noise = random_unit(random, dimension);
    double norm = 0;
    for (size_t d = 0; d < dimension; ++d) v[d] += 0.5f * noise[d], norm += double(v[d]) * v[d];
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  };
  std::vector<std::vector<float>> vectors;
  auto start = Clock::now();
  const auto missing = store::chunks_without_embedding(catalog, model.id, 0, count);
  for (size_t at = 0; at < missing.size(); at += 256) {
    auto transaction = catalog.begin_write();
    for (size_t i = at; i < std::min(at + 256, missing.size()); ++i) {
      vectors.push_back(draw());
      store::put_embedding(catalog, model, missing[i], vectors.back());
    }
    transaction.commit();
  }
  const double write_seconds = seconds_since(start);
  start = Clock::now();
  store::VectorIndex built = store::VectorIndex::open(catalog, model);
  const double open_build_seconds = seconds_since(start);
  start = Clock::now();
  store::VectorIndex index = store::VectorIndex::open(catalog, model);
  const double load_seconds = seconds_since(start);
  std::cout << nlohmann::json{{"bench", "hnsw"},
                              {"count", count},
                              {"dimension", dimension},
                              {"clusters", clusters},
                              {"write_embeddings_s", write_seconds},
                              {"build_s", built.build_seconds()},
                              {"build_and_save_s", open_build_seconds},
                              {"load_s", load_seconds},
                              {"loaded", index.origin() == store::VectorIndex::Origin::loaded},
                              {"index_bytes", fs::file_size(index.path())}}
                   .dump()
            << std::endl;

  // Chunk ids are 1..count in vector order.
  std::vector<std::vector<float>> query_vectors;
  for (size_t q = 0; q < queries; ++q) query_vectors.push_back(draw());
  std::vector<std::set<int64_t>> truth;
  for (const auto& query : query_vectors) {
    std::vector<std::pair<float, int64_t>> all;
    for (size_t i = 0; i < vectors.size(); ++i) {
      float dot = 0;
      for (size_t d = 0; d < dimension; ++d) dot += query[d] * vectors[i][d];
      all.emplace_back(-dot, static_cast<int64_t>(i + 1));
    }
    std::partial_sort(all.begin(), all.begin() + 10, all.end());
    std::set<int64_t> top;
    for (size_t i = 0; i < 10; ++i) top.insert(all[i].second);
    truth.push_back(top);
  }
  for (const size_t ef : {16, 64, 256}) {
    std::vector<double> latencies;
    double recall = 0;
    for (size_t q = 0; q < queries; ++q) {
      const auto t = Clock::now();
      const auto matches = index.search(query_vectors[q], 10, ef);
      latencies.push_back(seconds_since(t) * 1e3);
      for (const auto& m : matches) recall += truth[q].count(m.chunk_id) / 10.0;
    }
    std::cout << nlohmann::json{{"bench", "hnsw_query"},
                                {"count", count},
                                {"dimension", dimension},
                                {"clusters", clusters},
                                {"ef", ef},
                                {"queries", queries},
                                {"p50_ms", percentile(latencies, 0.5)},
                                {"p90_ms", percentile(latencies, 0.9)},
                                {"recall_at_10", recall / static_cast<double>(queries)}}
                     .dump()
              << std::endl;
  }

  // A small change: 1% more chunks, then the index is brought up to date instead of rebuilt.
  std::string more;
  for (size_t i = 0; i < count / 100; ++i) more += fmt::format("m{} ", i);
  const std::vector<text::Chunk> more_chunks = text::TokenChunker(1, 0).chunk(more);
  {
    auto transaction = catalog.begin_write();
    catalog.put_document({"/bench/more.txt", store::content_hash(more), 1, 1, "token 1", more, &more_chunks});
    transaction.commit();
  }
  {
    const auto added = store::chunks_without_embedding(catalog, model.id, 0, count);
    auto transaction = catalog.begin_write();
    for (const store::ChunkText& chunk : added) store::put_embedding(catalog, model, chunk, draw());
    transaction.commit();
  }
  start = Clock::now();
  store::VectorIndex updated = store::VectorIndex::open(catalog, model);
  std::cout << nlohmann::json{{"bench", "hnsw_update"},
                              {"count", count},
                              {"added", count / 100},
                              {"updated", updated.updated()},
                              {"update_s", updated.build_seconds()},
                              {"open_update_save_s", seconds_since(start)}}
                   .dump()
            << std::endl;
  return 0;
}

struct Query {
  std::string text;
  int64_t document_id;
  std::string heading;
};

std::string query_text(std::string heading) {
  if (heading.starts_with("Class: ")) heading = heading.substr(7);
  std::erase(heading, '`');
  return heading;
}

int run_eval(const fs::path& db, const std::string& model_dir, const std::string& pooling, size_t count,
             size_t budget) {
  store::Catalog catalog(db, {.read_only = true});
  store::ReadTransaction snapshot(catalog.database());
  // Sections: (document, level-2 heading) -> relevant chunk ids.
  std::map<std::pair<int64_t, std::string>, std::set<int64_t>> sections;
  std::map<std::string, std::set<int64_t>> heading_documents;
  for (const store::DocumentRecord& document : catalog.documents())
    for (const store::StoredChunk& chunk : catalog.chunks_of(document.id))
      if (chunk.headings.size() >= 2) {
        sections[{document.id, chunk.headings[1]}].insert(chunk.id);
        heading_documents[chunk.headings[1]].insert(document.id);
      }
  std::vector<Query> all;
  for (const auto& [key, ids] : sections)
    if (heading_documents[key.second].size() == 1 && !query_text(key.second).empty())
      all.push_back({query_text(key.second), key.first, key.second});
  std::vector<Query> queries;
  for (size_t i = 0; i < count && i < all.size(); ++i)
    queries.push_back(all[i * all.size() / std::min(count, all.size())]);

  model::EmbedderOptions embedder_options;
  if (!pooling.empty()) embedder_options.pooling = model::parse_pooling(pooling);
  embedder_options.truncate = true;
  const model::Embedder embedder = model::Embedder::load(model_dir, embedder_options);
  const auto model = store::find_embedding_model(catalog, retrieve::model_fingerprint(embedder));
  if (!model) fail(ErrorKind::invalid_input, "no embeddings of {} in {}", model_dir, db.string());
  auto start = Clock::now();
  store::VectorIndex index = store::VectorIndex::open(catalog, *model);
  std::cout << nlohmann::json{{"bench", "eval_setup"},
                              {"documents", catalog.document_count()},
                              {"chunks", catalog.chunk_count()},
                              {"sections", sections.size()},
                              {"candidate_queries", all.size()},
                              {"queries", queries.size()},
                              {"index_open_s", seconds_since(start)},
                              {"index_loaded", index.origin() == store::VectorIndex::Origin::loaded},
                              {"index_build_s", index.build_seconds()}}
                   .dump()
            << std::endl;
  const retrieve::DenseSide dense{&embedder, &*model, &index, ""};

  struct Metrics {
    double found = 0, reciprocal_rank = 0, tokens = 0;
    std::vector<double> latencies;
  };
  auto score = [&](Metrics& m, const Query& q, const std::vector<retrieve::SearchHit>& hits) {
    const auto& relevant = sections[{q.document_id, q.heading}];
    for (size_t i = 0; i < hits.size(); ++i)
      if (relevant.count(hits[i].chunk_id)) {
        m.found += 1;
        m.reciprocal_rank += 1.0 / static_cast<double>(i + 1);
        break;
      }
    for (const auto& hit : hits) m.tokens += static_cast<double>(hit.token_count);
  };
  auto report = [&](const std::string& what, const std::string& name, Metrics& m) {
    const double n = static_cast<double>(queries.size());
    nlohmann::json line{{"bench", what},
                        {"name", name},
                        {"queries", n},
                        {"recall", m.found / n},
                        {"mrr", m.reciprocal_rank / n},
                        {"context_tokens", m.tokens / n}};
    if (!m.latencies.empty())
      line["p50_ms"] = percentile(m.latencies, 0.5), line["p90_ms"] = percentile(m.latencies, 0.9);
    if (what == "eval_select") line["budget"] = budget;
    std::cout << line.dump() << std::endl;
  };

  for (const char* mode : {"bm25", "dense", "hybrid"}) {
    Metrics m;
    for (const Query& q : queries) {
      retrieve::SearchRequest request;
      request.query = q.text;
      request.mode = retrieve::parse_search_mode(mode);
      request.candidates = 10;
      const auto t = Clock::now();
      const auto hits = retrieve::ranked_candidates(catalog, request, &dense);
      m.latencies.push_back(seconds_since(t) * 1e3);
      score(m, q, hits);
    }
    report("eval_mode", mode, m);
  }
  for (const char* base : {"bm25", "hybrid"})
    for (const char* selector : {"top-k", "mmr", "sage", "meteora", "corag"}) {
      Metrics m;
      const auto chooser = retrieve::make_catalog_selector(catalog, selector, {});
      for (const Query& q : queries) {
        retrieve::SearchRequest request;
        request.query = q.text;
        request.mode = retrieve::parse_search_mode(base);
        request.candidates = 50;
        request.attach_embeddings = true;
        const auto t = Clock::now();
        const auto hits = chooser->select(retrieve::ranked_candidates(catalog, request, &dense),
                                          {.top_k = 10, .token_budget = budget});
        m.latencies.push_back(seconds_since(t) * 1e3);
        score(m, q, hits);
      }
      report("eval_select", fmt::format("{}+{}", base, selector), m);
    }
  return 0;
}

int run_chunkers(const fs::path& db, size_t count, size_t budget) {
  store::Catalog catalog(db, {.read_only = true});
  store::ReadTransaction snapshot(catalog.database());
  struct Section {
    int64_t document_id;
    size_t begin, end;
    std::string heading;
  };
  std::vector<Section> sections;
  std::map<std::string, std::set<int64_t>> heading_documents;
  std::string chunker;
  double chunk_count = 0, chunk_tokens = 0;
  std::map<int64_t, std::vector<store::StoredChunk>> chunks;
  for (const store::DocumentRecord& document : catalog.documents()) {
    chunker = document.chunker;
    const ingest::ExtractedDocument extracted = ingest::extract_document(
        ingest::format_of(document.path), ingest::read_file_bytes(document.path).bytes);
    const auto& headings = extracted.structure.headings;
    for (size_t i = 0; i < headings.size(); ++i) {
      if (headings[i].level != 2) continue;
      size_t end = extracted.text.size();
      for (size_t j = i + 1; j < headings.size(); ++j)
        if (headings[j].level <= 2) {
          end = headings[j].begin;
          break;
        }
      sections.push_back({document.id, headings[i].begin, end, headings[i].title});
      heading_documents[headings[i].title].insert(document.id);
    }
    chunks[document.id] = catalog.chunks_of(document.id);
    for (const auto& c : chunks[document.id]) chunk_count += 1, chunk_tokens += double(c.token_count);
  }
  struct Judged {
    std::string text;
    std::set<int64_t> relevant;
  };
  std::vector<Judged> all;
  for (const Section& section : sections) {
    if (heading_documents[section.heading].size() != 1 || query_text(section.heading).empty()) continue;
    Judged judged{query_text(section.heading), {}};
    const auto length = double(section.end - section.begin);
    for (const auto& c : chunks[section.document_id]) {
      const auto begin = size_t(c.byte_begin), end = size_t(c.byte_end);
      const double inside = double(std::max(begin, section.begin) < std::min(end, section.end)
                                       ? std::min(end, section.end) - std::max(begin, section.begin)
                                       : 0);
      if (inside * 2 >= double(end - begin) || inside * 2 >= length) judged.relevant.insert(c.id);
    }
    if (!judged.relevant.empty()) all.push_back(std::move(judged));
  }
  std::vector<Judged> queries;
  for (size_t i = 0; i < count && i < all.size(); ++i)
    queries.push_back(all[i * all.size() / std::min(count, all.size())]);
  std::cout << nlohmann::json{{"bench", "chunkers_setup"},
                              {"chunker", chunker},
                              {"chunks", chunk_count},
                              {"mean_chunk_tokens", chunk_tokens / std::max(1.0, chunk_count)},
                              {"candidate_queries", all.size()},
                              {"queries", queries.size()}}
                   .dump()
            << std::endl;
  auto evaluate = [&](const std::string& name, auto&& retrieve_hits) {
    double found = 0, reciprocal_rank = 0, tokens = 0;
    for (const Judged& q : queries) {
      const std::vector<retrieve::SearchHit> hits = retrieve_hits(q.text);
      for (size_t i = 0; i < hits.size(); ++i)
        if (q.relevant.count(hits[i].chunk_id)) {
          found += 1;
          reciprocal_rank += 1.0 / static_cast<double>(i + 1);
          break;
        }
      for (const auto& hit : hits) tokens += static_cast<double>(hit.token_count);
    }
    const double n = std::max<double>(1, double(queries.size()));
    std::cout << nlohmann::json{{"bench", "chunkers_eval"},
                                {"chunker", chunker},
                                {"name", name},
                                {"recall", found / n},
                                {"mrr", reciprocal_rank / n},
                                {"context_tokens", tokens / n},
                                {"budget", budget}}
                     .dump()
              << std::endl;
  };
  evaluate("bm25 top 10", [&](const std::string& query) {
    retrieve::SearchRequest request;
    request.query = query;
    request.mode = retrieve::SearchMode::bm25;
    request.candidates = 10;
    return retrieve::ranked_candidates(catalog, request, nullptr);
  });
  for (const char* selector : {"top-k", "mmr", "sage", "meteora", "corag"}) {
    const auto chooser = retrieve::make_catalog_selector(catalog, selector, {});
    evaluate(fmt::format("bm25+{}", selector), [&](const std::string& query) {
      retrieve::SearchRequest request;
      request.query = query;
      request.mode = retrieve::SearchMode::bm25;
      request.candidates = 50;
      return chooser->select(retrieve::ranked_candidates(catalog, request, nullptr),
                             {.top_k = 10, .token_budget = budget});
    });
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if ((args.size() == 5 || args.size() == 6) && args[0] == "hnsw")
      return run_hnsw(args[1], std::stoul(args[2]), std::stoul(args[3]), std::stoul(args[4]),
                      args.size() == 6 ? std::stoul(args[5]) : 0);
    if (args.size() == 6 && args[0] == "eval")
      return run_eval(args[1], args[2], args[3], std::stoul(args[4]), std::stoul(args[5]));
    if (args.size() == 4 && args[0] == "chunkers")
      return run_chunkers(args[1], std::stoul(args[2]), std::stoul(args[3]));
    std::cerr << "usage: retrieve_bench hnsw DIR COUNT DIMENSION QUERIES [CLUSTERS]\n"
                 "       retrieve_bench eval DB MODEL_DIR POOLING QUERIES BUDGET\n"
                 "       retrieve_bench chunkers DB QUERIES BUDGET\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "retrieve_bench: " << e.what() << "\n";
    return 1;
  }
}
