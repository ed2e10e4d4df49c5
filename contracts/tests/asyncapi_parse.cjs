// Parse an AsyncAPI document from its file with @asyncapi/parser (the reference parser behind
// AsyncAPI Studio, the CLI and the generators) and print what it found as JSON on stdout.
// Usage: node asyncapi_parse.cjs <folder holding node_modules/@asyncapi/parser> <document>
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

const [parserHome, document] = process.argv.slice(2);
const { Parser, fromFile } = createRequire(path.join(path.resolve(parserHome), "package.json"))(
  "@asyncapi/parser",
);

(async () => {
  // An absolute source: relative $refs resolve against the document's own folder, as in the tools.
  const parsed = await fromFile(new Parser(), path.resolve(document)).parse();
  const result = {
    diagnostics: parsed.diagnostics.map((d) => ({
      severity: d.severity, // 0 error, 1 warning, 2 information, 3 hint
      code: String(d.code),
      message: d.message,
      path: d.path.join("/"),
    })),
    channels: parsed.document
      ? parsed.document.channels().all().map((channel) => ({
          address: channel.address(),
          messages: channel.messages().all().map((message) => ({
            name: message.name(),
            payload_type: message.hasPayload() ? message.payload().type() : null,
            header_names: message.hasHeaders() ? Object.keys(message.headers().properties()) : [],
          })),
        }))
      : null,
  };
  process.stdout.write(JSON.stringify(result));
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
