import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import { defaultRemarkPlugins, type StreamdownProps } from "streamdown";
import { remarkHtmlAsText } from "./html-as-text";

type PluggableList = NonNullable<StreamdownProps["rehypePlugins"]>;

const remarkPlugins: PluggableList = [...Object.values(defaultRemarkPlugins), remarkHtmlAsText];

const rehypePlugins: PluggableList = [
  [
    rehypeSanitize,
    {
      ...defaultSchema,
      // Links only to the web and mail: javascript:, data:, vbscript: and the rest lose their href.
      protocols: { ...defaultSchema.protocols, href: ["http", "https", "mailto"] },
      // Code fences keep their info string (```ts title="x"), which the highlighter reads.
      attributes: {
        ...defaultSchema.attributes,
        code: [...(defaultSchema.attributes?.code ?? []), "metastring"],
      },
    },
  ],
];

/**
 * How untrusted model output becomes HTML: Markdown only (raw HTML is shown
 * as text), then GitHub's sanitize schema with links limited to web and mail
 * addresses. Images are never loaded (see the Markdown component), so an
 * answer can neither run code nor make the reader's browser fetch a URL.
 */
export const safeMarkdownOptions = { remarkPlugins, rehypePlugins } satisfies Pick<
  StreamdownProps,
  "remarkPlugins" | "rehypePlugins"
>;
