import { describe, expect, it } from 'vitest';
import { templateMatcher } from '../assets/template.ts';
import { parseHtmlIndex, parseVersionsDocument } from './versions-document.ts';

describe('parseVersionsDocument', () => {
  it('reads a plain array and the object form, dropping repeats', () => {
    expect(parseVersionsDocument('["1.2.0", "1.1.0", "1.2.0"]', 'u').map((v) => v.tag)).toEqual([
      '1.2.0',
      '1.1.0',
    ]);
    expect(
      parseVersionsDocument(
        JSON.stringify({
          versions: [{ version: 'v2.0.0', prerelease: true, notes: 'n', published_at: null }, 'v1.0.0'],
        }),
        'u',
      ),
    ).toEqual([
      { tag: 'v2.0.0', published_at: null, prerelease: true, notes: 'n' },
      { tag: 'v1.0.0', published_at: null, prerelease: false, notes: '' },
    ]);
  });

  it.each([
    ['{"versions": [1]}', /entry 1 has no "version"/],
    ['{"versions": [{"version": "1.0.0", "prerelease": "yes"}]}', /wrong type/],
    ['{"items": []}', /"versions" array/],
    ['<html>', /not valid JSON/],
  ])('refuses %s', (body, message) => {
    expect(() => parseVersionsDocument(body, 'https://dl.test/v.json')).toThrow(message);
  });
});

describe('parseHtmlIndex', () => {
  const template = 'https://dl.test/tool/{VERSION}/tool_{VERSION}_{OS}_{ARCH}.zip';

  it('matches file links against the template and directory links as versions', () => {
    const html = `
      <a href="tool_1.4.0_linux_amd64.zip">x</a>
      <A HREF='tool_1.4.0_darwin_arm64.zip'>x</A>
      <a class="dir" href="/tool/1.3.2/">1.3.2</a>
      <a href=v1.3.1/>v1.3.1</a>
      <a href="tool_1.5.0-beta.1_linux_amd64.zip">beta</a>
      <a href="https://elsewhere.test/tool/1.0.0%2Bbuild.1/">encoded</a>
      <a href="?C=M;O=A">sort</a> <a href="../">up</a> <a href="tool_latest_linux_amd64.zip">latest</a>`;
    expect(
      parseHtmlIndex(html, { baseUrl: 'https://dl.test/tool/', urlTemplate: template }).map((v) => v.tag),
    ).toEqual(['1.5.0-beta.1', '1.4.0', '1.3.2', 'v1.3.1', '1.0.0+build.1']);
  });

  it('applies the tag prefix to directory names (consul_1.17.0/)', () => {
    const html =
      '<a href="consul_1.17.0/">a</a><a href="consul_1.16.3/">b</a><a href="consul-template_0.1.0/">c</a>';
    expect(
      parseHtmlIndex(html, {
        baseUrl: 'https://releases.test/consul/',
        urlTemplate: 'https://releases.test/consul/{VERSION}/consul_{VERSION}_{OS}_{ARCH}.zip',
        tagRules: { tagPrefix: 'consul_' },
      }).map((v) => v.tag),
    ).toEqual(['consul_1.17.0', 'consul_1.16.3']);
  });

  it('builds a matcher only for templates with a version', () => {
    expect(
      templateMatcher('tool-{VERSION}.{OS}-{ARCH}.tar.gz')?.exec('tool-1.2.3.linux-amd64.tar.gz')?.groups,
    ).toEqual({
      version: '1.2.3',
    });
    expect(templateMatcher('tool-{OS}.tar.gz')).toBeUndefined();
  });
});
