import { Injectable } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { UpkeepError, redactText, urlSecretParts } from '@upkeep/errors';

export interface MailRequest {
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly timeoutMs: number;
}

/** Sends one plain-text e-mail over SMTP (nodemailer), one connection per message. */
@Injectable()
export class SmtpSenderRepository {
  async send(request: MailRequest): Promise<void> {
    const transport = createTransport({
      url: request.smtpUrl,
      connectionTimeout: request.timeoutMs,
      greetingTimeout: request.timeoutMs,
      socketTimeout: request.timeoutMs,
    });
    try {
      await transport.sendMail({
        from: request.from,
        to: [...request.to],
        subject: request.subject,
        text: request.text,
      });
    } catch (cause) {
      const secrets = urlSecretParts(request.smtpUrl);
      throw new UpkeepError(
        'UNAVAILABLE',
        redactText(
          `SMTP delivery failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          secrets,
        ),
      );
    } finally {
      transport.close();
    }
  }
}
