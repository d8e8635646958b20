// BM25 index build and query latency of chunkwise's catalog (SQLite FTS5), on chunks that are then handed
// to the npm search libraries (bench/retrieve/bm25_reference_bench.mjs) so that all index the same chunks
// and are judged on the same queries. Results as JSON lines; bench/retrieve/bm25_bench.sh drives both.
//
//   bm25_bench CORPUS_DIR WORK_DIR [PASSES] [QUERY_PASSES]
//
// 1. Chunking: every *.md file of CORPUS_DIR (sorted) is read, extracted and chunked as `chunkwise ingest`
//    does it (Markdown headings, the default recursive chunker), in memory; timed on its own.
// 2. Index build, PASSES times (default 5) after one warm-up, each into a fresh catalog WORK_DIR/bm25.db
//    (created before the clock starts): one write transaction that stores every document with its chunks
//    (rows, FTS5 index) and commits, then checkpoints the WAL into the database file (as closing the catalog
//    would; SQLite's auto-checkpoint does it within the commit only once the WAL holds 1000 pages). The
//    fastest pass is reported.
// 3. Export: WORK_DIR/chunks.jsonl ({"id","document","text"} per chunk, the catalog's chunk ids) and
//    WORK_DIR/queries.jsonl ({"query","relevant":[chunk ids]}). Queries and judgments are derived as
//    retrieve_bench eval derives them: every level-2 heading (second entry of a chunk's headings path) that
//    occurs in exactly one document is a query (backticks and a "Class: " prefix removed); the chunks of
//    that section are the relevant ones. All of them are used.
// 4. Queries: one warm-up pass over all queries, then QUERY_PASSES (default 5) timed passes of
//    retrieve::ranked_candidates (bm25, 10 candidates: FTS5 MATCH of the query's words OR-ed, BM25 order, the
//    chunks' rows, snippets), as `chunkwise search` runs it. p50 / p99 over every timed query; recall@10 (a
//    relevant chunk among the 10) and MRR@10 from the first pass. Then the same with the in-memory postings
//    (retrieve::Bm25Index, as the server ranks): its build time, and the share of queries whose ten hits are
//    exactly FTS5's.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "ingest/document_text.h"
#include "ingest/ingester.h"
#include "ingest/text_file.h"
#include "retrieve/search.h"
#include "store/catalog.h"
#include "text/chunk/chunker.h"

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

struct Document {
  std::string path;
  std::string hash;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  ingest::ExtractedDocument extracted;
  std::vector<text::Chunk> chunks;
};

struct Query {
  std::string text;
  std::set<int64_t> relevant;
};

std::string query_text(std::string heading) {
  if (heading.starts_with("Class: ")) heading = heading.substr(7);
  std::erase(heading, '`');
  return heading;
}

std::vector<Query> derive_queries(store::Catalog& catalog) {
  std::map<std::pair<int64_t, std::string>, std::set<int64_t>> sections;
  std::map<std::string, std::set<int64_t>> heading_documents;
  for (const store::DocumentRecord& document : catalog.documents())
    for (const store::StoredChunk& chunk : catalog.chunks_of(document.id))
      if (chunk.headings.size() >= 2) {
        sections[{document.id, chunk.headings[1]}].insert(chunk.id);
        heading_documents[chunk.headings[1]].insert(document.id);
      }
  std::vector<Query> queries;
  for (const auto& [key, ids] : sections)
    if (heading_documents[key.second].size() == 1 && !query_text(key.second).empty())
      queries.push_back({query_text(key.second), ids});
  return queries;
}

void remove_catalog(const fs::path& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

int run(const fs::path& corpus, const fs::path& work, int passes, int query_passes) {
  fs::create_directories(work);
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(corpus))
    if (entry.is_regular_file() && entry.path().extension() == ".md")
      paths.push_back(fs::absolute(entry.path()));
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) fail(ErrorKind::not_found, "no *.md files in {}", corpus.string());

  const auto chunker = text::make_chunker({});
  std::vector<Document> documents;
  size_t bytes = 0, chunk_count = 0;
  auto start = Clock::now();
  for (const fs::path& path : paths) {
    ingest::FileBytes file = ingest::read_file_bytes(path);
    Document& document = documents.emplace_back();
    document.path = path.string();
    document.hash = store::content_hash(file.bytes);
    document.size = static_cast<int64_t>(file.bytes.size());
    document.mtime_ns = file.mtime_ns;
    bytes += file.bytes.size();
    document.extracted = ingest::extract_document(ingest::format_of(path), std::move(file.bytes));
    document.chunks = ingest::chunk_text(*chunker, document.extracted);
    chunk_count += document.chunks.size();
  }
  const double chunk_seconds = seconds_since(start);

  const fs::path db = work / "bm25.db";
  double best = 1e30;
  for (int pass = 0; pass <= passes; ++pass) {  // pass 0 warms up
    remove_catalog(db);
    store::Catalog catalog(db);
    start = Clock::now();
    auto transaction = catalog.begin_write();
    std::vector<store::DocumentInput> inputs;
    for (const Document& document : documents)
      inputs.push_back({document.path, document.hash, document.size, document.mtime_ns, chunker->describe(),
                        document.extracted.text, &document.chunks});
    catalog.put_documents(inputs);
    transaction.commit();
    catalog.database().exec("PRAGMA wal_checkpoint(PASSIVE)");  // the database file written, as at close
    if (pass > 0) best = std::min(best, seconds_since(start));
  }
  std::cout << nlohmann::json{{"bench", "bm25_build"},     {"impl", "chunkwise"},
                              {"files", documents.size()}, {"bytes", bytes},
                              {"chunks", chunk_count},     {"chunker", chunker->describe()},
                              {"chunk_s", chunk_seconds},  {"passes", passes},
                              {"build_s", best},           {"db_bytes", fs::file_size(db)}}
                   .dump()
            << std::endl;

  store::Catalog catalog(db, {.read_only = true});
  const std::vector<Query> queries = derive_queries(catalog);
  {
    std::ofstream out(work / "chunks.jsonl");
    for (const store::DocumentRecord& document : catalog.documents())
      for (const store::StoredChunk& chunk : catalog.chunks_of(document.id))
        out << nlohmann::json{{"id", chunk.id}, {"document", document.id}, {"text", chunk.text}}.dump()
            << '\n';
    std::ofstream query_out(work / "queries.jsonl");
    for (const Query& query : queries)
      query_out << nlohmann::json{{"query", query.text}, {"relevant", query.relevant}}.dump() << '\n';
  }

  // Ranked by FTS5's bm25() (as `chunkwise search` runs, one query a process), then by the in-memory
  // postings of retrieve::Bm25Index (as the server runs: the index built once, then reused; its build is
  // timed on its own) with the same scores and snippets, so the same hits: checked query by query.
  struct Variant {
    const char* impl;
    bool in_memory;
  };
  std::vector<std::vector<int64_t>> fts5_hits(queries.size());
  std::vector<std::vector<std::string>> fts5_snippets(queries.size());
  for (const Variant& variant :
       {Variant{"chunkwise", false}, Variant{"chunkwise (in-memory postings, server)", true}}) {
    store::Catalog reader(db, {.read_only = true});
    retrieve::Bm25IndexCache cache;
    double index_build_s = 0;
    if (variant.in_memory) {
      const auto t = Clock::now();
      const auto index = cache.get(reader);
      index_build_s = seconds_since(t);
      std::cerr << "in-memory index: " << index->chunk_count() << " chunks, " << index->term_count()
                << " terms\n";
    }
    double found = 0, reciprocal_rank = 0, tokens = 0;
    size_t same_hits = 0, same_snippets = 0;
    std::vector<double> latencies;
    for (int pass = 0; pass <= query_passes; ++pass) {
      for (size_t q = 0; q < queries.size(); ++q) {
        const Query& query = queries[q];
        retrieve::SearchRequest request;
        request.query = query.text;
        request.mode = retrieve::SearchMode::bm25;
        request.candidates = 10;
        if (variant.in_memory) request.bm25_index = &cache;
        const auto t = Clock::now();
        const auto hits = retrieve::ranked_candidates(reader, request, nullptr);
        if (pass > 0) latencies.push_back(seconds_since(t) * 1e3);
        if (pass != 1) continue;
        std::vector<int64_t> ids;
        std::vector<std::string> snippets;
        for (const auto& hit : hits) {
          ids.push_back(hit.chunk_id);
          snippets.push_back(hit.snippet);
        }
        if (!variant.in_memory) {
          fts5_hits[q] = ids;
          fts5_snippets[q] = snippets;
        }
        same_hits += ids == fts5_hits[q];
        same_snippets += snippets == fts5_snippets[q];
        for (size_t i = 0; i < hits.size(); ++i)
          if (query.relevant.count(hits[i].chunk_id)) {
            found += 1;
            reciprocal_rank += 1.0 / static_cast<double>(i + 1);
            break;
          }
        for (const auto& hit : hits) tokens += static_cast<double>(hit.token_count);
      }
    }
    double sum = 0;
    for (double l : latencies) sum += l;
    const double n = static_cast<double>(queries.size());
    nlohmann::json row{{"bench", "bm25_query"},
                       {"impl", variant.impl},
                       {"queries", queries.size()},
                       {"passes", query_passes},
                       {"recall_at_10", found / n},
                       {"mrr_at_10", reciprocal_rank / n},
                       {"context_tokens", tokens / n},
                       {"p50_ms", percentile(latencies, 0.5)},
                       {"p99_ms", percentile(latencies, 0.99)},
                       {"mean_ms", sum / static_cast<double>(latencies.size())}};
    if (variant.in_memory) {
      row["index_build_s"] = index_build_s;
      row["same_hits_as_fts5"] = static_cast<double>(same_hits) / n;
      row["same_snippets_as_fts5"] = static_cast<double>(same_snippets) / n;
    }
    std::cout << row.dump() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() >= 2 && args.size() <= 4)
      return run(args[0], args[1], args.size() > 2 ? std::stoi(args[2]) : 5,
                 args.size() > 3 ? std::stoi(args[3]) : 5);
    std::cerr << "usage: bm25_bench CORPUS_DIR WORK_DIR [PASSES] [QUERY_PASSES]\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "bm25_bench: " << e.what() << "\n";
    return 1;
  }
}
