// The test shop's page code for sites that use the OpenTelemetry web SDK instead of (or beside)
// the Sightline agent: bundled by esbuild in the test. Document load and fetch instrumentation,
// spans batched to Sightline's OTLP/HTTP receiver (JSON) with the project's ingest key in the
// x-sightline-key header, and the gateway (another origin) sent a traceparent.
import { ZoneContextManager } from '@opentelemetry/context-zone';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';

const { tracesUrl, key, api } = window.__otelWeb;
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'shop-web', 'service.version': '2.0.0' }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl, headers: { 'x-sightline-key': key } }),
      { scheduledDelayMillis: 200 }),
  ],
});
provider.register({ contextManager: new ZoneContextManager() });

registerInstrumentations({
  instrumentations: [
    new DocumentLoadInstrumentation(),
    new FetchInstrumentation({
      propagateTraceHeaderCorsUrls: [new RegExp(`^${escapeRegExp(api)}/`)],
      ignoreUrls: [new RegExp(`^${escapeRegExp(tracesUrl)}`)],
    }),
  ],
});

// The test calls flush() to export what the batch holds.
window.__otel = { flush: () => provider.forceFlush() };

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('checkout').addEventListener('click', async () => {
    const res = await fetch(`${api}/api/checkout`);
    window.__checkout = await res.json();
    document.getElementById('result').textContent = `order ${window.__checkout.order}`;
  });
});
