// Preloaded by the test services (`node --require ./tracing.cjs <service>.cjs`): the OpenTelemetry
// Node SDK with the http and express instrumentations, exporting spans over OTLP/HTTP to the URL
// in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. OTEL_EXPORTER_OTLP_TRACES_PROTOCOL picks the exporter
// package: http/protobuf (the default) uses @opentelemetry/exporter-trace-otlp-proto, http/json
// @opentelemetry/exporter-trace-otlp-http. The service name (OTEL_SERVICE_NAME), the headers
// (OTEL_EXPORTER_OTLP_HEADERS) and the batching (OTEL_BSP_*) come from the environment as the SDK
// reads them. SIGTERM flushes what is pending before the process exits.
'use strict';

const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');

const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || 'http/protobuf';
const { OTLPTraceExporter } = protocol === 'http/json'
  ? require('@opentelemetry/exporter-trace-otlp-http')
  : require('@opentelemetry/exporter-trace-otlp-proto');

const sdk = new NodeSDK({
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
});
sdk.start();

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sdk.shutdown().catch((err) => console.error(`tracing: shutdown failed: ${err}`))
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
