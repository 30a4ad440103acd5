/**
 * SMS providers. Messages are written to sms_messages in the business transaction and sent by the
 * `sms.send` job after commit. The development outbox (default) "sends" by leaving the message in
 * that table, where the admin page 短信发件箱 shows it.
 */
export interface SmsMessage {
  id: string;
  phone: string;
  template: string;
  content: string;
  params: Record<string, string>;
}

export interface SmsProvider {
  readonly name: string;
  /** Resolves with the provider's message reference; throws to have the job retried. */
  send(msg: SmsMessage): Promise<{ ref?: string }>;
}

export class OutboxSmsProvider implements SmsProvider {
  readonly name = 'outbox';
  constructor(private readonly onSend?: (msg: SmsMessage) => void) {}
  async send(msg: SmsMessage) {
    this.onSend?.(msg);
    return { ref: `outbox-${msg.id}` };
  }
}
