// Drives a running `chunkwise serve` with the official `openai` npm package and LangChain.js
// (`@langchain/openai`), used unchanged: models, chat and text completions (plain and streamed, which must
// agree), embeddings (the SDK asks for base64 and decodes it), and the SDK's typed errors for a wrong model
// and a wrong key. Run by tests/cli/serve_sdk_test.cc:
//   node openai_sdk_client.mjs REFERENCE_NODE_MODULES PORT API_KEY CHAT_MODEL EMBEDDING_MODEL EMBEDDING_DIM
// Prints one line per check and "all checks passed" at the end; any failed check throws (exit 1).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";

const [nodeModules, port, apiKey, chatModel, embeddingModel, embeddingDim] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, "..", "package.json"));
const { default: OpenAI } = await import(require.resolve("openai"));
const { ChatOpenAI, OpenAI: LangChainOpenAI, OpenAIEmbeddings } = await import(require.resolve("@langchain/openai"));

const baseURL = `http://127.0.0.1:${port}/v1`;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const check = (name) => console.log(`ok ${name}`);

const models = await client.models.list();
assert.ok(models.data.some((m) => m.id === chatModel), JSON.stringify(models.data));
check("models.list");

const messages = [{ role: "user", content: "Package: curl" }];
const chat = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 12, temperature: 0 });
const chatText = chat.choices[0].message.content;
assert.equal(chat.object, "chat.completion");
assert.equal(typeof chatText, "string");
assert.ok(chat.usage.prompt_tokens > 0 && chat.usage.completion_tokens > 0);
check("chat.completions.create");

let streamed = "";
let usage = null;
const stream = await client.chat.completions.create({
  model: chatModel, messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.choices.length > 0) streamed += chunk.choices[0].delta.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
assert.equal(streamed, chatText);
assert.equal(usage.completion_tokens, chat.usage.completion_tokens);
check("chat.completions.create stream");

const completion = await client.completions.create({ model: chatModel, prompt: "The quick brown", max_tokens: 8, temperature: 0 });
let completionStreamed = "";
for await (const chunk of await client.completions.create({
  model: chatModel, prompt: "The quick brown", max_tokens: 8, temperature: 0, stream: true,
})) completionStreamed += chunk.choices[0].text;
assert.equal(completionStreamed, completion.choices[0].text);
check("completions.create (plain and stream)");

const embeddings = await client.embeddings.create({ model: embeddingModel, input: ["first text", "second text"] });
assert.equal(embeddings.data.length, 2);
assert.equal(embeddings.data[0].embedding.length, Number(embeddingDim));
const norm = Math.sqrt(embeddings.data[0].embedding.reduce((s, x) => s + x * x, 0));
assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
const floats = await client.embeddings.create({ model: embeddingModel, input: "first text", encoding_format: "float" });
floats.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - embeddings.data[0].embedding[i]) < 1e-6));
check("embeddings.create (base64 and float)");

await assert.rejects(client.chat.completions.create({ model: "gpt-4o", messages, max_tokens: 2 }), (e) => e instanceof OpenAI.NotFoundError);
const wrongKey = new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 });
await assert.rejects(wrongKey.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
await assert.rejects(client.chat.completions.create({ model: chatModel, messages, max_tokens: 2, temperature: 5 }), (e) => e instanceof OpenAI.BadRequestError);
check("typed errors (404, 401, 400)");

const configuration = { baseURL };
const lcChat = new ChatOpenAI({ model: chatModel, apiKey, configuration, temperature: 0, maxTokens: 12, maxRetries: 0 });
const answer = await lcChat.invoke([["human", "Package: curl"]]);
assert.equal(answer.content, chatText);
let lcStreamed = "";
for await (const chunk of await lcChat.stream([["human", "Package: curl"]])) lcStreamed += chunk.content;
assert.equal(lcStreamed, chatText);
check("LangChain ChatOpenAI invoke and stream");

const lcText = new LangChainOpenAI({ model: chatModel, apiKey, configuration, temperature: 0, maxTokens: 8, maxRetries: 0 });
assert.equal(await lcText.invoke("The quick brown"), completion.choices[0].text);
check("LangChain OpenAI (completions)");

const lcEmbeddings = new OpenAIEmbeddings({ model: embeddingModel, apiKey, configuration, maxRetries: 0 });
const vector = await lcEmbeddings.embedQuery("first text");
vector.forEach((x, i) => assert.ok(Math.abs(x - embeddings.data[0].embedding[i]) < 1e-6));
const vectors = await lcEmbeddings.embedDocuments(["first text", "second text"]);
assert.equal(vectors.length, 2);
check("LangChain OpenAIEmbeddings");

console.log("all checks passed");
