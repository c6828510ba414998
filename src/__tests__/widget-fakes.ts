/**
 * The streamer widget in unit tests: a fake comm (records what the model sends, delivers what the
 * kernel would), a fake widget manager, and the model and view built on them, kept so each test
 * file removes its views and closes its models (ending their sessions) after each test. Shared by
 * the spec files that render the widget, so they build it the same way.
 */
import { WebRtcStreamerModel } from '../streamer/model';
import { WebRtcStreamerView } from '../streamer/view';

export class FakeComm {
  comm_id = `comm-${Math.random()}`;
  target_name = 'jupyter.widget';
  sent: any[] = [];
  closed = false;
  private _onMsg: ((msg: any) => void) | null = null;
  private _onClose: ((msg: any) => void) | null = null;
  send(data: any): string {
    this.sent.push(data);
    return 'msg-id';
  }
  on_msg(cb: (msg: any) => void): void {
    this._onMsg = cb;
  }
  on_close(cb: (msg: any) => void): void {
    this._onClose = cb;
  }
  open(): string {
    return '';
  }
  close(): string {
    this.closed = true;
    return '';
  }
  /** The kernel closes the comm (comm_close from the kernel). */
  kernelClose(): void {
    this.closed = true;
    this._onClose?.({ content: { comm_id: this.comm_id, data: {} } });
  }
  /** A custom message from the kernel. */
  receive(content: unknown): void {
    this._onMsg?.({ content: { comm_id: this.comm_id, data: { method: 'custom', content } }, buffers: [] });
  }
  /** Every custom message sent, in order. */
  customs(): any[] {
    return this.sent.filter((d) => d.method === 'custom').map((d) => d.content);
  }
  /**
   * The signalling messages sent (the quality settings, sent beside them, are in siteQuality(); the
   * state reports in browserStatus()).
   */
  custom(): any[] {
    return this.customs().filter((c) => !['site_quality', 'browser_status'].includes(c?.type));
  }
  /** The browser_status reports sent, as "state: detail". */
  browserStatus(): string[] {
    return this.customs()
      .filter((c) => c?.type === 'browser_status')
      .map((c) => (c.detail ? `${c.state}: ${c.detail}` : c.state));
  }
  /** The site_quality messages sent (the site setting's caps for the kernel). */
  siteQuality(): any[] {
    return this.customs()
      .filter((c) => c?.type === 'site_quality')
      .map((c) => c.quality);
  }
}

/** The widget manager as the model uses it; tests set `kernel.status` to play a busy kernel. */
export const fakeManager: { callbacks: () => object; kernel: { status: string } } = {
  callbacks: () => ({}),
  kernel: { status: 'idle' },
};

/** Models and views made for one test file; dispose() after each test. */
export class FakeWidgets {
  private readonly models: WebRtcStreamerModel[] = [];
  private readonly views: WebRtcStreamerView[] = [];

  /** A model with this state, on a fresh fake comm. */
  model(state: Record<string, unknown> = {}): { model: WebRtcStreamerModel; comm: FakeComm } {
    const comm = new FakeComm();
    const model = new WebRtcStreamerModel(state, {
      model_id: `model-${Math.random()}`,
      widget_manager: fakeManager as any,
      comm: comm as any,
    });
    this.models.push(model);
    return { model, comm };
  }

  /** A rendered view of the model, in the document. */
  view(model: WebRtcStreamerModel): WebRtcStreamerView {
    const view = new WebRtcStreamerView({ model, options: {} } as any);
    view.render();
    document.body.appendChild(view.el);
    this.views.push(view);
    return view;
  }

  /** Removes the views and closes the models, which also ends sessions still inside their grace period. */
  async dispose(): Promise<void> {
    for (const view of this.views.splice(0)) {
      view.remove();
    }
    await Promise.all(this.models.splice(0).map((model) => model.close()));
  }
}
