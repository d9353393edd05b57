import { PageLanguageContext, t, type PageLanguage } from '../i18n.js';
import { Layout } from '../layout.js';

export interface MessagePageProps {
  prefix: string;
  title: string;
  message: string;
  link?: { href: string; label: string };
}

/** A plain page for errors and confirmations (502, 504, forbidden, expired link…); texts are message keys, shown in the page language. */
export function MessagePage(props: MessagePageProps) {
  return (
    <Layout title={t(props.title)} prefix={props.prefix}>
      <h1>{t(props.title)}</h1>
      <p>{t(props.message)}</p>
      {props.link ? <p><a href={props.link.href}>{t(props.link.label)}</a></p> : null}
    </Layout>
  );
}

/** The same page as a string, for answers written on Node's own response (gateway/proxy/lane.ts). */
export function messagePageHtml(props: MessagePageProps, language?: PageLanguage): string {
  const page = <MessagePage {...props} />;
  return String(language ? <PageLanguageContext.Provider value={language}>{page}</PageLanguageContext.Provider> : page);
}
