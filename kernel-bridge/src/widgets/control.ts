/**
 * The `jupyter.widget.control` comm: after a page reload the widget manager restores every live
 * widget with one `request_states` round trip instead of a comm_info_request plus one request_state
 * per widget. The first Widget constructed registers it (widget.ts).
 */
import { Comm, CommMessage, getKernelApi, JSONObject, KernelApi } from '../kernel/api';
import { widgetRegistry } from './registry';
import { removeBuffers } from './buffers';
import { errorSummary } from '../errors';

export const CONTROL_TARGET = 'jupyter.widget.control';
/** ipywidgets' __control_protocol_version__; the frontend sends it as comm_open metadata. */
const CONTROL_PROTOCOL_VERSION = '1.0.0';

/**
 * Registers the target the widget manager uses to restore every widget after a page reload.
 * Idempotent per kernel: the registry lives on globalThis, so a second package copy reuses it.
 */
export function registerWidgetControlTarget(api: KernelApi = getKernelApi()): void {
  const registry = widgetRegistry();
  if (registry.control?.api === api) return;
  const unregister = api.comms.registerTarget(CONTROL_TARGET, (comm, open) => onControlOpen(api, comm, open));
  registry.control = { api, unregister };
}

function onControlOpen(api: KernelApi, comm: Comm, open: CommMessage): void {
  const version = open.metadata?.version;
  const major = CONTROL_PROTOCOL_VERSION.split('.')[0];
  if (typeof version !== 'string' || version.split('.')[0] !== major) {
    // Same outcome as ipywidgets (its handler raises, the comm is closed): the frontend then falls
    // back to comm_info_request + request_state per widget.
    api.log(`widgets: control comm version ${JSON.stringify(version)} is not ${CONTROL_PROTOCOL_VERSION}`);
    comm.close();
    return;
  }
  comm.onMessage((message) => {
    const method = message.data?.method;
    if (method !== 'request_states') {
      api.log(`widgets: unknown control comm method ${JSON.stringify(method)}`);
      return;
    }
    try {
      comm.send(...updateStates());
    } catch (error) {
      api.log(`widgets: request_states failed: ${errorSummary(error)}`);
    }
  });
}

/**
 * The reply ipywidgets' `_handle_control_comm_msg` sends. Buffers are split out of the whole
 * `states` object, so each path starts with [model_id, 'state', ...]: the frontend peels off the
 * id and puts the buffer into `states[id]` at the rest of the path.
 */
function updateStates(): [JSONObject, { buffers: ArrayBufferView[] }] {
  const states: Record<string, unknown> = {};
  for (const widget of widgetRegistry().widgets.values()) {
    const state = widget.wireState();
    states[widget.modelId] = {
      model_name: state._model_name,
      model_module: state._model_module,
      model_module_version: state._model_module_version,
      state,
    };
  }
  const split = removeBuffers(states);
  const data = { method: 'update_states', states: split.state, buffer_paths: split.bufferPaths };
  return [data as JSONObject, { buffers: split.buffers }];
}
