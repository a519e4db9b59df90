import { render } from 'preact';
import { App } from './app';
import { interceptLinks } from './router';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
interceptLinks(root);
render(<App />, root);
