/**
 * Voice-call providers (SPEC X2, S8: the 会议承接提醒 phone call). A notice whose template channel is
 * `voice` is written to sms_messages with channel "voice" in the business transaction and placed by
 * the `voice.call` job after commit (docs/decisions/0009-voice-calls.md). The development outbox
 * (default) "calls" by leaving the record in that table, where the admin page 短信发件箱 shows it.
 */
export interface VoiceCall {
  id: string;
  phone: string;
  /** the kind of message (the notification event) */
  template: string;
  /** the text read out (what the outbox shows) */
  content: string;
  /** the template's variables, for a provider's approved TTS template */
  params: Record<string, string>;
}

export interface VoiceProvider {
  readonly name: string;
  /** Resolves with the provider's call reference; throws to have the job retried. */
  call(c: VoiceCall): Promise<{ ref?: string }>;
}

export class OutboxVoiceProvider implements VoiceProvider {
  readonly name = 'outbox';
  constructor(private readonly onCall?: (c: VoiceCall) => void) {}
  async call(c: VoiceCall) {
    this.onCall?.(c);
    return { ref: `outbox-call-${c.id}` };
  }
}
