import type { Root } from "mdast";
import { visit } from "unist-util-visit";

/**
 * Raw HTML in an answer is shown as the text the model wrote, never parsed:
 * model output is untrusted, and a reader should see a `<script>` the model
 * produced rather than have it vanish or run.
 */
export function remarkHtmlAsText() {
  return (tree: Root) => {
    visit(tree, "html", (node, index, parent) => {
      if (!parent || index === undefined) return;
      const text = { type: "text" as const, value: node.value, position: node.position };
      // A block of HTML becomes a paragraph of text; inline HTML stays inline.
      parent.children[index] =
        parent.type === "root" ? { type: "paragraph", children: [text], position: node.position } : text;
    });
  };
}
