using System.Net;
using Diaryx.Sync.Lite.Configuration;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Sends the magic-link mail over SMTP (<see cref="SmtpSettings"/>): implicit TLS on port 465,
/// STARTTLS on every other port (required, except towards a loopback relay, where it is used when
/// offered), login only when a username is configured. Subject "Sign in to Diaryx", like upstream.
/// </summary>
public sealed class MagicLinkMailer(SmtpSettings smtp, TimeSpan linkLifetime, ILogger<MagicLinkMailer> logger)
{
    public const string Subject = "Sign in to Diaryx";

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Sends the link to <paramref name="email"/>; false (and the reason logged) when that fails.</summary>
    public async Task<bool> TrySendAsync(string email, string link, CancellationToken cancellationToken)
    {
        try
        {
            var message = Compose(email, link);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            using var client = new SmtpClient { Timeout = (int)SendTimeout.TotalMilliseconds };
            await client.ConnectAsync(smtp.Host, smtp.Port, SocketOptions(), timeout.Token);
            if (smtp.Username is { } username)
            {
                await client.AuthenticateAsync(username, smtp.Password ?? "", timeout.Token);
            }

            await client.SendAsync(message, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError("Could not send the sign-in mail via {Host}:{Port}: {Error}", smtp.Host, smtp.Port, e.Message);
            return false;
        }
    }

    private SecureSocketOptions SocketOptions() =>
        smtp.Port == 465 ? SecureSocketOptions.SslOnConnect
        : IsLoopback(smtp.Host) ? SecureSocketOptions.StartTlsWhenAvailable
        : SecureSocketOptions.StartTls;

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    internal MimeMessage Compose(string email, string link)
    {
        var minutes = (int)linkLifetime.TotalMinutes;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(smtp.FromName, smtp.FromEmail));
        message.To.Add(MailboxAddress.Parse(email));
        message.Subject = Subject;
        var encoded = WebUtility.HtmlEncode(link);
        message.Body = new BodyBuilder
        {
            TextBody = $"""
                Sign in to Diaryx

                Open this link to sign in:
                {link}

                This link will expire in {minutes} minutes. If you didn't request it, you can ignore this email.
                """,
            HtmlBody = $"""
                <!DOCTYPE html>
                <html><body style="font-family: sans-serif; line-height: 1.5; color: #222;">
                <h2>Sign in to Diaryx</h2>
                <p>Click the button below to sign in:</p>
                <p><a href="{encoded}" style="display: inline-block; padding: 10px 20px; background: #2563eb; color: #fff; text-decoration: none; border-radius: 6px;">Sign in to Diaryx</a></p>
                <p>Or open this link: <a href="{encoded}">{encoded}</a></p>
                <p>This link will expire in {minutes} minutes. If you didn't request it, you can ignore this email.</p>
                </body></html>
                """,
        }.ToMessageBody();
        return message;
    }
}
